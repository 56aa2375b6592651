import io

import pytest
from PIL import Image

from ..conftest import screenshot

pytestmark = pytest.mark.e2e


def test_signup_logout_login_and_edit_profile(live_url, new_page, tmp_path):
    page = new_page()
    page.goto(live_url + "/")
    page.get_by_role("link", name="Sign up").first.click()

    page.get_by_label("Username").fill("ada")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Teacher").check()
    page.locator("#id_password1").fill("Analytical-Engine-1843")
    page.locator("#id_password2").fill("Analytical-Engine-1843")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(live_url + "/")
    assert "Welcome, ada!" in page.content()

    page.locator("#user-menu").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(live_url + "/")
    assert page.get_by_role("link", name="Log in").first.is_visible()

    # A wrong password shows an error and keeps the visitor on the page.
    page.goto(live_url + "/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    assert page.locator(".alert-danger").is_visible()

    page.get_by_label("Password").fill("Analytical-Engine-1843")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_url + "/")

    page.goto(live_url + "/accounts/profile/")
    picture = tmp_path / "ada.png"
    buf = io.BytesIO()
    Image.new("RGB", (80, 80), (40, 90, 200)).save(buf, format="PNG")
    picture.write_bytes(buf.getvalue())
    page.get_by_label("Status").fill("Writing the first program")
    page.get_by_label("Profile picture").set_input_files(str(picture))
    page.get_by_role("button", name="Save profile").click()
    assert page.get_by_text("Your profile was saved.").is_visible()
    screenshot(page, "profile-edited")

    page.goto(live_url + "/users/ada/")
    assert page.get_by_text("Writing the first program").is_visible()
    avatar = page.get_by_role("img", name="ada's picture").first
    assert avatar.evaluate("img => img.naturalWidth") == 80
    screenshot(page, "public-profile")


def test_bad_picture_shows_error_beside_the_field(live_url, new_page, demo_server, tmp_path):
    demo_server.shell(
        "from django.contrib.auth import get_user_model;"
        "get_user_model().objects.create_user('bea', password='Bea-pass-12345', role='student')"
    )
    page = new_page(viewport={"width": 390, "height": 844})  # a phone
    page.goto(live_url + "/accounts/login/")
    page.get_by_label("Username").fill("bea")
    page.get_by_label("Password").fill("Bea-pass-12345")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_url + "/")
    page.goto(live_url + "/accounts/profile/")
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>")
    page.get_by_label("Profile picture").set_input_files(str(fake))
    page.get_by_role("button", name="Save profile").click()
    error = page.locator("#id_profile_picture_error")
    assert error.is_visible()
    assert "valid image" in error.inner_text()
    screenshot(page, "profile-error-mobile")
