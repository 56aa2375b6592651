"""The element templates every page is built from: one source for a field's ids and
ARIA attributes, and one file a site overrides to restyle every page using it."""

import re
from pathlib import Path

import pytest
from django import forms
from django.template.loader import render_to_string
from django.urls import reverse

from elearning_users.forms import BootstrapFormMixin

HERE = Path(__file__).resolve().parent


class SampleForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label="Name", help_text="As on your card.")
    colour = forms.ChoiceField(
        label="Colour",
        choices=[("r", "Red"), ("g", "Green")],
        widget=forms.RadioSelect,
        help_text="Pick one.",
    )
    agree = forms.BooleanField(label="I agree", required=False)


def render_field(form, name):
    return render_to_string("elearning_users/elements/field.html", {"field": form[name]})


def widget_tag(html, element_id):
    return re.search(rf'<(?:input|textarea|select)[^>]*\bid="{element_id}"[^>]*>', html).group(0)


def test_one_error_container_holds_every_error():
    form = SampleForm(data={"colour": "r"})
    form.is_valid()
    for message in ("Too short.", "Too common.", "Entirely numeric."):
        form.add_error("name", message)
    html = render_field(form, "name")
    assert html.count('id="id_name_error"') == 1
    container = re.search(
        r'<div class="invalid-feedback d-block" id="id_name_error">(.*?)\n\s*</div>', html, re.S
    )
    assert all(
        m in container.group(1) for m in ("This field is required.", "Too short.", "Entirely numeric.")
    )
    widget = widget_tag(html, "id_name")
    assert 'aria-describedby="id_name_helptext id_name_error"' in widget
    assert 'aria-invalid="true"' in widget
    assert '<div class="form-text" id="id_name_helptext">As on your card.</div>' in html


def test_a_valid_field_points_at_its_help_text_only():
    html = render_field(SampleForm(), "name")
    assert 'aria-describedby="id_name_helptext"' in widget_tag(html, "id_name")
    assert 'id="id_name_helptext"' in html
    assert "_error" not in html and "aria-invalid" not in html
    assert 'for="id_name">Name <span class="text-danger" aria-hidden="true">*</span>' in html


def test_radio_buttons_are_a_fieldset_described_by_its_help_and_errors():
    form = SampleForm(data={"name": "Ada"})
    form.is_valid()
    html = render_field(form, "colour")
    assert '<fieldset aria-describedby="id_colour_helptext id_colour_error">' in html
    assert re.search(r"<legend[^>]*>Colour", html)
    radios = re.findall(r'<input type="radio"[^>]*>', html)
    assert len(radios) == 2 and all('aria-invalid="true"' in r for r in radios)
    assert 'for="id_colour_0">Red</label>' in html
    assert html.count('id="id_colour_error"') == 1


def test_checkbox_label_follows_the_box():
    html = render_field(SampleForm(), "agree")
    assert re.search(
        r'<input type="checkbox"[^>]*id="id_agree"[^>]*>\s*<label class="form-check-label" for="id_agree">',
        html,
    )
    assert "text-danger" not in html  # not required


def test_a_weak_password_has_one_error_container(client, db):
    data = {
        "username": "ada",
        "email": "ada@example.com",
        "role": "student",
        "password1": "123",
        "password2": "123",
    }
    html = client.post(reverse("elearning_users:signup"), data).content.decode()
    errors = re.search(r'id="id_password2_error">(.*?)</div>\s*</div>', html, re.S).group(1)
    assert errors.count("<div>") >= 3  # too short, too common, entirely numeric
    assert html.count('id="id_password2_error"') == 1
    widget = widget_tag(html, "id_password2")
    assert 'aria-describedby="id_password2_helptext id_password2_error"' in widget
    assert 'aria-invalid="true"' in widget
    assert 'id="id_password2_helptext"' in html


@pytest.fixture
def site_elements(settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [HERE / "override_elements", *settings.TEMPLATES[0]["DIRS"]]}
    ]


def test_a_site_restyles_every_card_page_and_field_in_one_place(client, student, site_elements):
    pages = [("elearning_users:signup", None), ("elearning_users:login", None)]
    pages += [("elearning_users:profile", student), ("elearning_users:password_change", student)]
    for name, user in pages:
        if user:
            client.force_login(user)
        html = client.get(reverse(name)).content.decode()
        assert '<section class="site-card-page">' in html, name
        assert '<p class="site-field">' in html, name
        assert 'class="card shadow-sm' not in html, name
