"""What a chat message body and a client's message id may contain.

One set of rules for every path that stores a message (the WebSocket consumer, the
services it calls, the admin's forms), applied before anything reaches the database:
a body that PostgreSQL would refuse (NUL) or that cannot be encoded at all (a lone
surrogate) is refused on its own, never in the middle of a batch of other messages.
"""

import re

from django.utils.translation import gettext_lazy as _

#: A client's id for one of its messages (``client_id``): a UUID fits, and so does any
#: other token of 1 to 64 letters, digits, ``-`` or ``_``.
CLIENT_ID_PATTERN = r"[-A-Za-z0-9_]{1,64}"
CLIENT_ID_MAX_LENGTH = 64
_client_id = re.compile(rf"{CLIENT_ID_PATTERN}\Z")

# C0 controls and DEL, except tab and line feed (carriage returns are normalized away first).
_controls = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_line_ends = re.compile(r"\r\n?")


class InvalidText(ValueError):
    """A refused body or client id; ``code`` is the protocol's error code."""

    def __init__(self, code, detail):
        super().__init__(str(detail))
        self.code = code
        self.detail = detail


def valid_client_id(value):
    """Whether ``value`` is an acceptable ``client_id`` (None, for old clients, is not)."""
    return isinstance(value, str) and _client_id.match(value) is not None


def clean_body(body, max_length):
    """The body as it is stored: line endings as ``\\n``, trimmed. Raises
    :class:`InvalidText` (``bad_request`` or ``too_long``) for a body that is not a
    string, is empty, holds a lone surrogate or a control character other than tab
    and line feed, or is longer than ``max_length`` characters once normalized."""
    if not isinstance(body, str):
        raise InvalidText("bad_request", _("A message needs a text body."))
    try:
        body.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: not text at all
        raise InvalidText(
            "bad_request", _("A message must be valid text (it holds an unpaired surrogate).")
        ) from None
    body = _line_ends.sub("\n", body)
    if _controls.search(body):
        raise InvalidText("bad_request", _("A message cannot contain control characters."))
    body = body.strip()
    if not body:
        raise InvalidText("bad_request", _("A message cannot be empty."))
    if len(body) > max_length:
        raise InvalidText(
            "too_long", _("Messages are limited to %(limit)d characters.") % {"limit": max_length}
        )
    return body
