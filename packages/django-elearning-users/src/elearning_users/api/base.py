"""What the e-learning API views need from Django REST framework, declared by the views.

A host site's ``REST_FRAMEWORK`` defaults may lack token authentication or pagination;
the apps' endpoints must not change with them. Views of this app and of
``elearning_courses`` use :class:`ElearningAPIMixin`.
"""

import re

from django.apps import apps
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.settings import api_settings

from .parsers import ElearningJSONParser, RequestTooLarge

_POSITIVE_INT = re.compile(r"[1-9][0-9]{0,8}")


def check_page_params(request, *names):
    """400 for ``?page=``/``?page_size=`` values that are not positive integers (DRF
    quietly falls back to the first page or the default size instead)."""
    errors = {
        name: [_("Must be a positive integer.")]
        for name in names
        if name in request.query_params and not _POSITIVE_INT.fullmatch(request.query_params[name])
    }
    if errors:
        raise ValidationError(errors)


class ElearningPagination(PageNumberPagination):
    """``{count, next, previous, results}``; ``?page=`` and ``?page_size=`` (max 100).

    The page size is the site's ``REST_FRAMEWORK["PAGE_SIZE"]``, 20 when unset. A
    ``page`` or ``page_size`` that is not a positive integer is a 400; a page past the
    last one a 404.
    """

    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        check_page_params(request, self.page_query_param, self.page_size_query_param)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        self.page_size = api_settings.PAGE_SIZE or 20
        return super().get_page_size(request)


def authentication_classes():
    """Session authentication, token authentication (when ``rest_framework.authtoken``
    is installed, so that ``/api/auth/token/`` hands out keys these views accept), then
    whatever else the site authenticates with by default (JWT, say)."""
    classes = [SessionAuthentication]
    if apps.is_installed("rest_framework.authtoken"):
        classes.append(TokenAuthentication)
    return classes + [c for c in api_settings.DEFAULT_AUTHENTICATION_CLASSES if c not in classes]


#: The parsers of every API view: JSON with limits (see :mod:`.parsers`), forms, multipart.
PARSER_CLASSES = (ElearningJSONParser, FormParser, MultiPartParser)


class ElearningAPIMixin:
    """Authentication, permission (signed-in users), parsing and pagination of the apps'
    API views."""

    permission_classes = (IsAuthenticated,)
    parser_classes = PARSER_CLASSES
    pagination_class = ElearningPagination

    def get_authenticators(self):
        return [auth() for auth in authentication_classes()]

    def handle_exception(self, exc):
        # A body above DATA_UPLOAD_MAX_MEMORY_SIZE: Django's RequestDataTooBig would be an
        # HTML "Bad Request" page; the API answers 413 with a JSON detail.
        if isinstance(exc, RequestDataTooBig):
            exc = RequestTooLarge()
        return super().handle_exception(exc)
