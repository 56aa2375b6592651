"""The throttle of the log-in (token) and registration endpoints.

It counts the attempted credentials, never ``request.user``: a request that also sends a
valid ``Authorization`` header is counted like any other, and the client address comes
from :func:`elearning_users.security.client_ip` (trusted proxies only), so neither a
token nor a forged ``X-Forwarded-For`` resets a counter.
"""

from rest_framework.throttling import BaseThrottle

from ..security import AttemptLimiter, client_ip, normalize_username


class AuthRateThrottle(BaseThrottle):
    """At most ``AUTH_THROTTLE_RATE`` attempts per client address and, separately, per
    attempted username (the ``username`` of the request body)."""

    scope = "elearning_auth"

    def __init__(self):
        self.wait_seconds = None

    def allow_request(self, request, view):
        refused = None
        try:
            data = request.data
        except Exception as exc:  # noqa: BLE001  (an unparsable body is still an attempt from this address)
            data, refused = {}, exc
        username = normalize_username(data.get("username")) if hasattr(data, "get") else None
        self.wait_seconds = AttemptLimiter(self.scope).hit(ip=client_ip(request), username=username)
        if refused is not None and self.wait_seconds is None:
            raise refused  # counted; the client gets the parser's 400 and its detail
        return self.wait_seconds is None

    def wait(self):
        return self.wait_seconds


class RegisterRateThrottle(AuthRateThrottle):
    """The same rule for ``POST /api/users/``, on the counter the sign-up page uses."""

    scope = "elearning_register"
