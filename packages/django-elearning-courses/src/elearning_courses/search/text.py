"""Text in and out of the index: plain text from Markdown, query words, highlights."""

import html
import re

import nh3
from django.conf import settings
from django.utils.html import format_html, format_html_join

from ..conf import app_settings
from ..markdown import render_markdown

#: Marks the matched words in snippets from the database: control characters that
#: neither indexed text nor queries contain (:func:`clean` removes them from both).
START, STOP = "\x02", "\x03"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_MARKED = re.compile(f"{START}(.*?){STOP}", re.DOTALL)

#: Text search configurations of PostgreSQL, by language code (LANGUAGE_CODE prefix).
CONFIGS = {"en": "english", "de": "german", "fr": "french", "es": "spanish"}


def clean(text):
    """``text`` without control characters (NUL included) and with single spaces."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", text or "")).strip()


def markdown_to_text(text):
    """The words a reader sees in a lesson's Markdown, as plain text."""
    if not text:
        return ""
    return clean(html.unescape(nh3.clean(str(render_markdown(text)), tags=set())))


def words(query):
    """The words of a query, operators and punctuation left out (never raw syntax)."""
    return _WORD.findall(clean(query))


def search_config():
    """The PostgreSQL text search configuration (see ``SEARCH_CONFIG``)."""
    configured = app_settings.SEARCH_CONFIG
    if configured:
        return configured
    return CONFIGS.get(settings.LANGUAGE_CODE.split("-")[0].lower(), "simple")


def highlight(marked):
    """HTML of ``marked`` text: escaped, with each START...STOP span in ``<mark>``."""
    marked = marked or ""
    pieces, position = [], 0
    for match in _MARKED.finditer(marked):
        pieces.append(_unmarked(marked[position : match.start()]))
        pieces.append(format_html("<mark>{}</mark>", _unmarked(match.group(1))))
        position = match.end()
    pieces.append(_unmarked(marked[position:]))
    # format_html_join escapes the plain pieces; the <mark> ones are SafeStrings already.
    return format_html_join("", "{}", ((piece,) for piece in pieces))


def _unmarked(text):
    return text.replace(START, "").replace(STOP, "")


def mark_words(text, query_words):
    """``text`` with every occurrence of ``query_words`` (any case) between START and STOP."""
    if not text or not query_words:
        return text or ""
    pattern = re.compile("|".join(re.escape(word) for word in query_words), re.IGNORECASE)
    return pattern.sub(lambda match: f"{START}{match.group(0)}{STOP}", text)


def excerpt(text, query_words, width=160):
    """About ``width`` characters of ``text`` around the first of ``query_words``."""
    if not text:
        return ""
    lower = text.lower()
    found = [lower.find(word.lower()) for word in query_words]
    first = min((index for index in found if index >= 0), default=0)
    start = max(0, first - width // 3)
    end = start + width
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
