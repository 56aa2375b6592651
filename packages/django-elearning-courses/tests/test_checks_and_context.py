import io

import pytest
from django.core.management import call_command
from django.template import Context, RequestContext, Template
from django.test import RequestFactory

from elearning_courses.checks import check_settings
from elearning_courses.conf import DEFAULTS, app_settings
from elearning_courses.context_processors import notifications as notifications_context
from elearning_courses.models import Notification


def ids(value, settings):
    settings.ELEARNING_COURSES = value
    return sorted(e.id for e in check_settings(None))


def test_defaults_pass(settings):
    assert ids({}, settings) == []


def test_not_a_dict(settings):
    assert ids("x", settings) == ["elearning_courses.E001"]


def test_unknown_key(settings):
    assert ids({"MAX_BYTES": 3}, settings) == ["elearning_courses.E002"]


@pytest.mark.parametrize(
    "key",
    [
        "MATERIAL_MAX_BYTES",
        "CATALOG_PAGE_SIZE",
        "NOTIFICATIONS_PAGE_SIZE",
        "VIDEO_MAX_BYTES",
        "LESSON_IMAGE_MAX_BYTES",
        "LESSON_IMAGE_MAX_PIXELS",
        "COVER_MAX_BYTES",
        "COVER_MAX_PIXELS",
        "COVER_SIZE",
    ],
)
@pytest.mark.parametrize("value", [0, -5, "10", True, None])
def test_bad_numbers(settings, key, value):
    assert ids({key: value}, settings) == ["elearning_courses.E003"]


@pytest.mark.parametrize("value", [[], ["pdf", "exe"], "pdf", None])
def test_bad_extensions(settings, value):
    assert ids({"MATERIAL_EXTENSIONS": value}, settings) == ["elearning_courses.E004"]


def test_unknown_storage(settings):
    assert ids({"MATERIAL_STORAGE": "nope.Storage"}, settings) == ["elearning_courses.E005"]


def test_private_root_inside_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    assert ids({}, settings) == ["elearning_courses.E007"]


def test_settings_are_read_lazily(settings):
    settings.ELEARNING_COURSES = {"MATERIAL_MAX_BYTES": 5}
    assert app_settings.MATERIAL_MAX_BYTES == 5
    settings.ELEARNING_COURSES = {}
    assert app_settings.MATERIAL_MAX_BYTES == DEFAULTS["MATERIAL_MAX_BYTES"]
    with pytest.raises(AttributeError):
        getattr(app_settings, "NOPE")  # noqa: B009


@pytest.mark.django_db
def test_no_missing_migrations():
    call_command("makemigrations", "elearning_courses", "--check", "--dry-run", stdout=io.StringIO())


@pytest.mark.django_db
class TestContextProcessor:
    def request_for(self, user):
        request = RequestFactory().get("/")
        request.user = user
        return request

    def test_anonymous_is_zero_without_queries(self, anonymous, django_assert_num_queries):
        with django_assert_num_queries(0):
            assert notifications_context(self.request_for(anonymous)) == {"elearning_unread_count": 0}

    def test_lazy_and_cached_per_request(self, owner, django_assert_num_queries):
        Notification.objects.create(recipient=owner, verb="enrolled", message="a")
        Notification.objects.create(recipient=owner, verb="enrolled", message="b", is_read=True)
        request = self.request_for(owner)
        with django_assert_num_queries(0):
            context = notifications_context(request)  # nothing used yet
        template = Template("{{ elearning_unread_count }}{% if elearning_unread_count %}!{% endif %}")
        with django_assert_num_queries(1):
            assert template.render(Context(context)) == "1!"
            assert template.render(Context(notifications_context(request))) == "1!"

    def test_renders_through_request_context(self, owner, settings):
        Notification.objects.create(recipient=owner, verb="enrolled", message="a")
        template = Template("{{ elearning_unread_count|default:0 }}")
        assert template.render(RequestContext(self.request_for(owner))) == "1"


def test_courses_without_the_users_app(settings, monkeypatch):
    from django.apps import apps

    settings.ELEARNING_COURSES = {}
    real = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: name != "elearning_users" and real(name))
    assert [e.id for e in check_settings(None)] == ["elearning_courses.E006"]
