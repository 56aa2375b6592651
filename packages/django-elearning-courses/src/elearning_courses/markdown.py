"""Markdown of lessons and announcements, rendered to safe HTML.

CommonMark plus tables (markdown-it-py), then sanitized with nh3 (an allow-list of
tags and attributes):

* raw HTML in the text is never passed through: markdown-it escapes it, and nh3
  removes whatever is not on the allow-list anyway;
* links keep only http(s), mailto and relative addresses (no ``javascript:``) and
  get ``rel="nofollow noopener"``;
* images are not embedded: ``![alt](address)`` becomes a link to the address. An
  image from another origin would leak the reader's address to that origin, and
  the site's Content-Security-Policy (``img-src 'self'``) would block it anyway;
  image lessons show uploaded pictures.
"""

from functools import lru_cache

import nh3
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

#: Tags allowed in rendered Markdown.
TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def _parser():
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    md.disable("image")
    return md


def render_markdown(text):
    """Render ``text`` (Markdown) as sanitized HTML -> ``SafeString``."""
    cleaned = ""
    if text:
        cleaned = nh3.clean(
            _parser().render(str(text)),
            tags=TAGS,
            attributes=ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="nofollow noopener",
            strip_comments=True,
        )
    # Reviewed: the HTML is nh3's output, an allow-list of tags, attributes and URL schemes.
    return mark_safe(cleaned)  # noqa: S308  # nosec B308 B703
