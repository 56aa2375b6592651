"""Course covers: uploaded on the course form, re-encoded, shown on cards and the course
page (a default cover otherwise), and their files deleted when replaced, removed or the
course deleted."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from elearning_courses.models import Course

pytestmark = pytest.mark.django_db


def image_bytes(size=(64, 48), fmt="PNG", color=(200, 30, 30)):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def cover_upload(name="cover.png", content=None, content_type="image/png"):
    return SimpleUploadedFile(name, image_bytes() if content is None else content, content_type=content_type)


def course_data(**extra):
    return {"title": "Painting", "description": "Colours.", "is_published": "on", **extra}


@pytest.fixture
def create(client_as, django_capture_on_commit_callbacks):
    def post(**data):
        with django_capture_on_commit_callbacks(execute=True):
            return client_as("owner").post("/courses/new/", course_data(**data))

    return post


@pytest.fixture
def edit(client_as, django_capture_on_commit_callbacks):
    def post(course, **data):
        with django_capture_on_commit_callbacks(execute=True):
            return client_as("owner").post(f"/courses/{course.pk}/edit/", course_data(**data))

    return post


def stored(course):
    with default_storage.open(course.cover.name) as f:
        return f.read()


class TestUpload:
    def test_a_cover_is_re_encoded_and_stored_under_a_random_name(self, create, settings):
        response = create(cover=cover_upload("My Holiday.PNG"))
        assert response.status_code == 302
        course = Course.objects.get(title="Painting")
        assert course.cover.name.startswith("elearning_courses/covers/")
        assert course.cover.name.endswith(".png") and "Holiday" not in course.cover.name
        image = Image.open(io.BytesIO(stored(course)))
        assert image.format == "PNG" and image.size == (64, 48)

    def test_a_large_cover_is_scaled_down_to_cover_size(self, create, settings):
        settings.ELEARNING_COURSES = {"COVER_SIZE": 100}
        create(cover=cover_upload(content=image_bytes((400, 200))))
        course = Course.objects.get(title="Painting")
        assert Image.open(io.BytesIO(stored(course))).size == (100, 50)

    def test_html_appended_to_a_png_is_removed(self, create):
        polyglot = image_bytes() + b"<html><script>alert(document.cookie)</script></html>"
        assert create(cover=cover_upload(content=polyglot)).status_code == 302
        data = stored(Course.objects.get(title="Painting"))
        assert b"<script" not in data and b"<html" not in data

    @pytest.mark.parametrize("fmt, extension", [("JPEG", "jpg"), ("WEBP", "webp"), ("GIF", "gif")])
    def test_other_formats_keep_their_format(self, fmt, extension, create):
        create(cover=cover_upload(f"photo.{extension}", image_bytes(fmt=fmt), f"image/{extension}"))
        course = Course.objects.get(title="Painting")
        assert course.cover.name.endswith(f".{extension}")
        assert Image.open(io.BytesIO(stored(course))).format == fmt

    @pytest.mark.parametrize(
        "upload, message",
        [
            (lambda: cover_upload("notes.png", b"<html>not an image</html>"), "Upload a valid image"),
            (lambda: cover_upload("empty.png", b""), "empty"),
            (
                lambda: cover_upload("doc.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
                "Upload a valid image",
            ),
            (lambda: cover_upload("cut.png", image_bytes()[:60]), "Upload a valid image"),
            (lambda: cover_upload("pic.bmp", image_bytes(fmt="BMP"), "image/bmp"), "Upload a valid image"),
        ],
    )
    def test_bad_uploads_are_a_field_error(self, upload, message, client_as):
        response = client_as("owner").post("/courses/new/", course_data(cover=upload()))
        assert response.status_code == 200
        assert "cover" in response.context["form"].errors
        html = response.content.decode()
        assert 'id="id_cover_error"' in html and message in html
        assert not Course.objects.filter(title="Painting").exists()

    def test_too_large_a_file(self, client_as, settings):
        settings.ELEARNING_COURSES = {"COVER_MAX_BYTES": 100}
        response = client_as("owner").post("/courses/new/", course_data(cover=cover_upload()))
        assert "too large" in str(response.context["form"].errors["cover"])

    def test_too_many_pixels(self, client_as, settings):
        settings.ELEARNING_COURSES = {"COVER_MAX_PIXELS": 1000}
        response = client_as("owner").post("/courses/new/", course_data(cover=cover_upload()))
        assert "too many pixels" in str(response.context["form"].errors["cover"])

    def test_the_form_says_what_is_accepted(self, client_as):
        html = client_as("owner").get("/courses/new/").content.decode()
        assert 'enctype="multipart/form-data"' in html
        assert 'accept="image/jpeg,image/png,image/gif,image/webp"' in html
        assert "JPEG, PNG, GIF or WebP, at most 5.0" in html
        assert '<label class="form-label" for="id_cover">Cover image' in html
        assert "id_remove_cover" not in html  # nothing to remove yet


class TestReplaceAndRemove:
    @pytest.fixture
    def with_cover(self, create):
        create(cover=cover_upload())
        return Course.objects.get(title="Painting")

    def test_replacing_deletes_the_old_file(self, with_cover, edit):
        old = with_cover.cover.name
        assert (
            edit(with_cover, cover=cover_upload("new.png", image_bytes(color=(0, 0, 255)))).status_code == 302
        )
        with_cover.refresh_from_db()
        assert with_cover.cover.name != old
        assert default_storage.exists(with_cover.cover.name)
        assert not default_storage.exists(old)

    def test_saving_without_an_upload_keeps_the_cover(self, with_cover, edit):
        old = with_cover.cover.name
        edit(with_cover, title="Painting II")
        with_cover.refresh_from_db()
        assert with_cover.title == "Painting II" and with_cover.cover.name == old
        assert default_storage.exists(old)

    def test_removing_deletes_the_file(self, with_cover, edit, client_as):
        html = client_as("owner").get(f"/courses/{with_cover.pk}/edit/").content.decode()
        assert '<label class="form-check-label" for="id_remove_cover">Remove the cover' in html
        old = with_cover.cover.name
        edit(with_cover, remove_cover="on")
        with_cover.refresh_from_db()
        assert not with_cover.cover
        assert not default_storage.exists(old)

    def test_upload_and_remove_at_once_is_an_error(self, with_cover, edit):
        old = with_cover.cover.name
        response = edit(with_cover, remove_cover="on", cover=cover_upload())
        assert response.status_code == 200
        assert "not both" in str(response.context["form"].errors["cover"])
        with_cover.refresh_from_db()
        assert with_cover.cover.name == old and default_storage.exists(old)

    def test_a_bad_replacement_keeps_the_old_cover(self, with_cover, edit):
        old = with_cover.cover.name
        response = edit(with_cover, cover=cover_upload("x.png", b"nope"))
        assert response.status_code == 200 and "cover" in response.context["form"].errors
        with_cover.refresh_from_db()
        assert with_cover.cover.name == old and default_storage.exists(old)

    def test_deleting_the_course_deletes_the_file(
        self, with_cover, client_as, django_capture_on_commit_callbacks
    ):
        old = with_cover.cover.name
        with django_capture_on_commit_callbacks(execute=True):
            client_as("owner").post(f"/courses/{with_cover.pk}/delete/")
        assert not Course.objects.filter(pk=with_cover.pk).exists()
        assert not default_storage.exists(old)

    def test_only_the_owner_changes_the_cover(
        self, with_cover, client_as, django_capture_on_commit_callbacks
    ):
        old = with_cover.cover.name
        for role in ("other_teacher", "student", "enrolled"):
            response = client_as(role).post(f"/courses/{with_cover.pk}/edit/", course_data(remove_cover="on"))
            assert response.status_code == 403
        with_cover.refresh_from_db()
        assert with_cover.cover.name == old and default_storage.exists(old)


class TestDisplay:
    def test_card_and_page_show_the_cover(self, create, client):
        create(cover=cover_upload())
        course = Course.objects.get(title="Painting")
        catalog = client.get("/courses/").content.decode()
        assert (
            f'<img class="card-img-top elearning-cover" src="{course.cover.url}" alt="" '
            'width="640" height="360" loading="lazy" decoding="async">'
        ) in catalog
        page = client.get(course.get_absolute_url()).content.decode()
        assert f'src="{course.cover.url}" alt="" width="1200" height="300">' in page

    def test_default_cover_without_one(self, course, client):
        catalog = client.get("/courses/").content.decode()
        assert 'src="/static/elearning_courses/default-cover.svg" alt=""' in catalog
        page = client.get(course.get_absolute_url()).content.decode()
        assert 'src="/static/elearning_courses/default-cover.svg" alt=""' in page

    def test_the_default_cover_is_a_static_file_without_inline_style(self):
        from django.contrib.staticfiles import finders

        svg = open(finders.find("elearning_courses/default-cover.svg"), encoding="utf-8").read()
        assert svg.startswith("<svg") and "style" not in svg and "<script" not in svg


class TestAdmin:
    @pytest.fixture
    def admin_client(self, client, make_user):
        client.force_login(make_user("root", "teacher", is_staff=True, is_superuser=True))
        return client

    def test_admin_re_encodes_and_deletes_replaced_covers(
        self, admin_client, course, django_capture_on_commit_callbacks
    ):
        polyglot = image_bytes() + b"<script>alert(1)</script>"
        data = {
            "title": course.title,
            "description": course.description,
            "teacher": course.teacher_id,
            "subject": "",
            "is_published": "on",
            "cover": cover_upload(content=polyglot),
            "modules-TOTAL_FORMS": 0,
            "modules-INITIAL_FORMS": 0,
            "materials-TOTAL_FORMS": 0,
            "materials-INITIAL_FORMS": 0,
        }
        url = f"/admin/elearning_courses/course/{course.pk}/change/"
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        course.refresh_from_db()
        first = course.cover.name
        assert b"<script" not in stored(course)
        data["cover"] = cover_upload("b.png", image_bytes(color=(1, 2, 3)))
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(url, data)
        course.refresh_from_db()
        assert course.cover.name != first and not default_storage.exists(first)
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(f"/admin/elearning_courses/course/{course.pk}/delete/", {"post": "yes"})
        assert not default_storage.exists(course.cover.name)

    def test_admin_refuses_a_bad_cover(self, admin_client, course):
        response = admin_client.post(
            f"/admin/elearning_courses/course/{course.pk}/change/",
            {
                "title": course.title,
                "teacher": course.teacher_id,
                "is_published": "on",
                "cover": cover_upload("x.png", b"GIF89a" + b"\x00" * 20),
                "modules-TOTAL_FORMS": 0,
                "modules-INITIAL_FORMS": 0,
                "materials-TOTAL_FORMS": 0,
                "materials-INITIAL_FORMS": 0,
            },
        )
        assert response.status_code == 200
        assert "cover" in response.context["adminform"].form.errors
