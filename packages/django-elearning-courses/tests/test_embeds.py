"""Embedded videos: allow-listed providers and their privacy-friendly frame addresses."""

import pytest
from django.core.exceptions import ValidationError

from elearning_courses.embeds import embed_url, frame_origins, validate_embed_url

YT = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"


@pytest.mark.parametrize(
    "url, frame",
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", YT),
        ("https://youtube.com/watch?v=dQw4w9WgXcQ&t=42s", YT),
        ("https://m.youtube.com/watch?v=dQw4w9WgXcQ", YT),
        ("https://youtu.be/dQw4w9WgXcQ?t=3", YT),
        ("https://www.youtube.com/embed/dQw4w9WgXcQ", YT),
        ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", YT),
        ("http://www.youtube.com/shorts/dQw4w9WgXcQ", YT),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
        ("https://player.vimeo.com/video/76979871", "https://player.vimeo.com/video/76979871"),
        (" https://vimeo.com/76979871 ", "https://player.vimeo.com/video/76979871"),
    ],
)
def test_accepted(url, frame):
    assert embed_url(url) == frame
    assert validate_embed_url(url) == frame


@pytest.mark.parametrize(
    "url",
    [
        "",
        None,
        "https://example.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ%22onload",
        "javascript:alert(1)//youtu.be/dQw4w9WgXcQ",
        "ftp://youtu.be/dQw4w9WgXcQ",
        "https://vimeo.com/channels/staffpicks",
        "https://player.vimeo.com/video/abc",
        "https://[::1",
    ],
)
def test_refused(url):
    assert embed_url(url) is None
    with pytest.raises(ValidationError) as error:
        validate_embed_url(url)
    assert error.value.code == "embed"


def test_providers_setting(settings):
    settings.ELEARNING_COURSES = {"EMBED_PROVIDERS": ["vimeo"]}
    assert embed_url("https://youtu.be/dQw4w9WgXcQ") is None
    assert frame_origins() == ["https://player.vimeo.com"]
    with pytest.raises(ValidationError) as error:
        validate_embed_url("https://youtu.be/dQw4w9WgXcQ")
    assert "Vimeo" in error.value.messages[0]
