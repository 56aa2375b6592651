"""``POST /api/auth/token/``: exchange ``{username, password}`` for ``{token}``.

Its own module because importing DRF's token view needs ``rest_framework.authtoken``
installed: :mod:`.urls` serves this endpoint only when it is (system check
``elearning_users.W002`` says so when it is not).
"""

from rest_framework.authtoken.views import ObtainAuthToken

from .base import PARSER_CLASSES
from .serializers import TokenRequestSerializer
from .throttles import AuthRateThrottle


class TokenView(ObtainAuthToken):
    """Exchange ``{username, password}`` for ``{token}`` (throttled)."""

    throttle_classes = (AuthRateThrottle,)
    # JSON with limits, and length limits on the username and password.
    parser_classes = PARSER_CLASSES
    serializer_class = TokenRequestSerializer
