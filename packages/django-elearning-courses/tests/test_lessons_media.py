"""Inline media of video and image lessons: access like the lesson page, HTTP ranges."""

import pytest

from elearning_courses import services
from elearning_courses.materials import RangeNotSatisfiable, parse_range

from .content_fixtures import *  # noqa: F403
from .content_fixtures import READERS, WEBM, pdf, png_upload, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def video(owner, module):
    return services.create_lesson(owner, module, title="Clip", kind="video", file=upload("clip.webm", WEBM))


def media_url(lesson):
    return f"/courses/{lesson.course_id}/lessons/{lesson.pk}/media/"


def body(response):
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    "header, size, expected",
    [
        (None, 100, None),
        ("", 100, None),
        ("bytes=0-99", 1000, (0, 99)),
        ("bytes=10-", 100, (10, 99)),
        ("bytes=-10", 100, (90, 99)),
        ("bytes=-500", 100, (0, 99)),
        ("bytes=90-200", 100, (90, 99)),
        ("BYTES = 5-6", 100, (5, 6)),
        ("bytes=0-1,5-6", 100, None),  # several ranges: the whole file
        ("bytes=5-1", 100, None),  # malformed: ignored
        ("bytes=a-b", 100, None),
        ("bytes=-", 100, None),
        ("items=0-1", 100, None),
        ("bytes=0x1-2", 100, None),
        ("bytes", 100, None),
    ],
)
def test_parse_range(header, size, expected):
    assert parse_range(header, size) == expected


@pytest.mark.parametrize(
    "header, size", [("bytes=100-", 100), ("bytes=200-300", 100), ("bytes=-0", 100), ("bytes=0-", 0)]
)
def test_unsatisfiable(header, size):
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, size)


class TestRanges:
    def test_whole_file_inline(self, video, client_as):
        response = client_as("owner").get(media_url(video))
        assert response.status_code == 200
        assert body(response) == WEBM
        assert response["Content-Type"] == "video/webm"
        assert response["Accept-Ranges"] == "bytes"
        assert not response.get("Content-Disposition", "").startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"

    def test_first_100_bytes(self, video, client_as):
        response = client_as("owner").get(media_url(video), HTTP_RANGE="bytes=0-99")
        assert response.status_code == 206
        assert body(response) == WEBM[:100]
        assert response["Content-Length"] == "100"
        assert response["Content-Range"] == f"bytes 0-99/{len(WEBM)}"
        assert response["Accept-Ranges"] == "bytes"

    def test_suffix_and_open_ended(self, video, client_as):
        client = client_as("owner")
        response = client.get(media_url(video), HTTP_RANGE="bytes=-10")
        assert (response.status_code, body(response)) == (206, WEBM[-10:])
        assert response["Content-Range"] == f"bytes {len(WEBM) - 10}-{len(WEBM) - 1}/{len(WEBM)}"
        response = client.get(media_url(video), HTTP_RANGE="bytes=1000-")
        assert (response.status_code, body(response)) == (206, WEBM[1000:])

    def test_unsatisfiable_is_416(self, video, client_as):
        response = client_as("owner").get(media_url(video), HTTP_RANGE=f"bytes={len(WEBM)}-")
        assert response.status_code == 416
        assert response["Content-Range"] == f"bytes */{len(WEBM)}"

    def test_malformed_range_is_ignored(self, video, client_as):
        response = client_as("owner").get(media_url(video), HTTP_RANGE="bytes=oops")
        assert response.status_code == 200
        assert body(response) == WEBM


class TestAccess:
    EXPECTED = READERS

    def test_by_role(self, role, users, video, client_as):
        assert client_as(role).get(media_url(video)).status_code == self.EXPECTED[role]

    def test_draft_is_404(self, role, users, owner, video, client_as):
        services.update_lesson(owner, video, is_published=False)
        assert client_as(role).get(media_url(video)).status_code == (200 if role == "owner" else 404)

    def test_image_inline(self, owner, module, client_as):
        lesson = services.create_lesson(owner, module, title="Pic", kind="image", file=png_upload())
        response = client_as("owner").get(media_url(lesson))
        assert response["Content-Type"] == "image/png"

    def test_other_kinds_have_no_media(self, owner, module, client_as):
        lesson = services.create_lesson(owner, module, title="Notes", kind="file", file=pdf())
        assert client_as("owner").get(media_url(lesson)).status_code == 404

    def test_missing_file_is_404(self, video, client_as):
        video.material.file.storage.delete(video.material.file.name)
        assert client_as("owner").get(media_url(video)).status_code == 404
