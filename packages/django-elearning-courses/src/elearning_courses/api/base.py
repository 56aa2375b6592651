"""What every view of the courses API shares: services' errors as DRF responses."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.settings import api_settings

from elearning_users.api.base import ElearningAPIMixin

from ..exceptions import CourseActionDenied


class RuleViolation(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"


class BaseViewSet(ElearningAPIMixin):
    """Authentication, permissions and pagination of their own (not the site's DRF
    defaults); the services' Django exceptions turned into DRF responses (never a 500).

    A ``ValidationError`` with an error per field (``{"title": [...]}``) keeps its
    fields, as a serializer's would; any other is ``{"detail": ..., "code": ...}``."""

    def handle_exception(self, exc):
        code = None
        if isinstance(exc, CourseActionDenied):
            code = exc.code
            exc = exceptions.PermissionDenied(exc.message)
        elif isinstance(exc, DjangoValidationError) and hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(
                {
                    (api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name): messages
                    for name, messages in exc.message_dict.items()
                }
            )
        elif isinstance(exc, DjangoValidationError):
            code = getattr(exc, "code", None) or "invalid"
            exc = RuleViolation(" ".join(exc.messages))
        response = super().handle_exception(exc)
        if code and isinstance(response.data, dict):
            response.data["code"] = code
        return response
