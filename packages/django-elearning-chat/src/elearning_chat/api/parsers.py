"""JSON request bodies parsed with limits: a hostile body gets a 400, never a 500.

The chat app depends on neither other app, so this is its own copy of
``elearning_users.api.parsers`` (keep the two alike).

DRF's own ``JSONParser`` lets :class:`RecursionError` escape on a body nested about a
thousand levels deep (an HTTP 500 for anyone, even anonymously), accepts numbers that
overflow to infinity (``1e999``) and integers of thousands of digits, and reads bodies of
any size. :class:`ElearningJSONParser` refuses all of these with a clear ``detail``.
Every chat API view uses it (through :class:`~elearning_chat.api.views.ChatAPIView`).

:func:`loads` is the same parsing for other JSON input (WebSocket frames, say).
"""

import json
import math
import re
from itertools import accumulate

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

#: Deepest nesting of arrays and objects accepted; the API's bodies need 3 at most.
MAX_DEPTH = 32
#: Integers outside a signed 64-bit range are refused (no column holds them).
MAX_INT = 2**63 - 1

# A JSON string (escapes included). Unrolled so that it never backtracks.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = [0] * 128
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


class JSONInputError(ValueError):
    """Input that is not acceptable JSON; ``str()`` of it is the reason, for the client."""


def json_depth(text):
    """The deepest nesting of arrays and objects in JSON ``text``, without recursion.

    Brackets inside strings do not count; an unterminated string counts its brackets
    (the text is refused either way).
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text)).encode("ascii")
    return max(accumulate(_STEP[c] for c in brackets), default=0)


def _refuse_constant(name):
    raise JSONInputError(_("%(name)s is not a JSON number.") % {"name": name})


def _parse_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise JSONInputError(_("The number %(number)s is out of range.") % {"number": text[:40]})
    return value


def _parse_int(text):
    if len(text) > 20 or not -MAX_INT - 1 <= int(text) <= MAX_INT:
        raise JSONInputError(_("The number %(number)s is out of range.") % {"number": text[:40]})
    return int(text)


def _check_strings(value):
    """Refuse lone surrogates (``"\\ud800"``): no database can store them. ``value`` is at
    most :data:`MAX_DEPTH` deep, so recursing is safe."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise JSONInputError(_("A string holds an unpaired surrogate escape.")) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key)
            _check_strings(item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)


def loads(text, *, max_depth=MAX_DEPTH):
    """Parse JSON ``text`` (a :class:`str`) or raise :class:`JSONInputError` with the reason.

    Refused: nesting deeper than ``max_depth``, ``NaN``/``Infinity``, numbers that
    overflow a float or a signed 64-bit integer, lone surrogate escapes, malformed JSON.
    """
    if json_depth(text) > max_depth:
        raise JSONInputError(_("The JSON is nested more than %(depth)d levels deep.") % {"depth": max_depth})
    try:
        value = json.loads(
            text, parse_constant=_refuse_constant, parse_float=_parse_float, parse_int=_parse_int
        )
    except JSONInputError:
        raise
    except (ValueError, RecursionError) as exc:
        raise JSONInputError(_("Malformed JSON: %(reason)s.") % {"reason": exc}) from None
    _check_strings(value)
    return value


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


class ElearningJSONParser(JSONParser):
    """DRF's JSON parser with limits (see the module): 400 with ``detail`` for a body
    that is malformed, not in its declared charset, or nested deeper than
    :attr:`max_depth`; 413 above ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django's limit for
    form bodies, applied to JSON too)."""

    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge()
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError(
                _("The request body is not valid %(encoding)s.") % {"encoding": encoding}
            ) from None
        try:
            return loads(text, max_depth=self.max_depth)
        except JSONInputError as exc:
            raise ParseError(str(exc)) from None
