from rest_framework.throttling import AnonRateThrottle

from ..conf import app_settings


class AuthRateThrottle(AnonRateThrottle):
    """Throttles anonymous log-in and registration; the rate is ``AUTH_THROTTLE_RATE``."""

    scope = "elearning_auth"

    def get_rate(self):
        return app_settings.AUTH_THROTTLE_RATE
