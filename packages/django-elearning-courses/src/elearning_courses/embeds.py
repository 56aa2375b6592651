"""Embedded videos: which addresses are accepted and the frame address they become.

Only allow-listed providers are embedded, each through its privacy-friendly player
address. ``ELEARNING_COURSES["EMBED_PROVIDERS"]`` (default ``["youtube", "vimeo"]``)
chooses among :data:`PROVIDERS`. The site's Content-Security-Policy must allow the
frame origins of the providers in use (:func:`frame_origins`).
"""

import re
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .conf import app_settings

YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
VIMEO_ID = re.compile(r"^[0-9]{1,12}$")


def _youtube(parts):
    host = parts.netloc.lower().removeprefix("www.").removeprefix("m.")
    path = parts.path
    video = ""
    if host == "youtu.be":
        video = path.strip("/").split("/")[0]
    elif host in ("youtube.com", "youtube-nocookie.com"):
        if path == "/watch":
            video = (parse_qs(parts.query).get("v") or [""])[0]
        elif path.startswith(("/embed/", "/shorts/", "/live/")):
            video = path.split("/")[2]
    if YOUTUBE_ID.match(video):
        return f"https://www.youtube-nocookie.com/embed/{video}"
    return None


def _vimeo(parts):
    host = parts.netloc.lower().removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    video = ""
    if host == "vimeo.com" and segments:
        video = segments[0]
    elif host == "player.vimeo.com" and len(segments) == 2 and segments[0] == "video":
        video = segments[1]
    if VIMEO_ID.match(video):
        return f"https://player.vimeo.com/video/{video}"
    return None


#: provider name -> (label, function from the split address to the frame address or None,
#: origin of the frames)
PROVIDERS = {
    "youtube": ("YouTube", _youtube, "https://www.youtube-nocookie.com"),
    "vimeo": ("Vimeo", _vimeo, "https://player.vimeo.com"),
}


def enabled_providers():
    return [name for name in app_settings.EMBED_PROVIDERS if name in PROVIDERS]


def frame_origins():
    """The origins a page must allow in ``frame-src`` for the enabled providers."""
    return [PROVIDERS[name][2] for name in enabled_providers()]


def embed_url(url):
    """The frame address of the video at ``url``, or ``None`` if it is not allow-listed."""
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    for name in enabled_providers():
        frame = PROVIDERS[name][1](parts)
        if frame:
            return frame
    return None


def validate_embed_url(url):
    """Return the frame address for ``url`` or raise ``ValidationError`` (code ``embed``)."""
    frame = embed_url(url)
    if frame is None:
        labels = ", ".join(PROVIDERS[name][0] for name in enabled_providers())
        raise ValidationError(
            _("Paste the address of a video on %(providers)s."),
            code="embed",
            params={"providers": labels or "-"},
        )
    return frame
