"""``POST /api/auth/token/``: exchange ``{username, password}`` for ``{token}``.

Its own module because importing DRF's token view needs ``rest_framework.authtoken``
installed: :mod:`.urls` serves this endpoint only when it is (system check
``elearning_users.W002`` says so when it is not).
"""

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled, ValidationError

from ..security import LOCKED_OUT
from .base import PARSER_CLASSES
from .serializers import TokenRequestSerializer
from .throttles import AuthRateThrottle


class TokenView(ObtainAuthToken):
    """Exchange ``{username, password}`` for ``{token}`` (throttled; 429 while django-axes,
    when the site uses it, locks the username or the address out)."""

    throttle_classes = (AuthRateThrottle,)
    # JSON with limits, and length limits on the username and password.
    parser_classes = PARSER_CLASSES
    serializer_class = TokenRequestSerializer

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            # django-axes marks the request it was given (DRF's) when it refused the attempt.
            if getattr(request, "axes_locked_out", False):
                raise Throttled(detail=LOCKED_OUT) from None
            raise
