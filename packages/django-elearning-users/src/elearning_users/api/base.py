"""What the e-learning API views need from Django REST framework, declared by the views.

A host site's ``REST_FRAMEWORK`` defaults may lack token authentication or pagination;
the apps' endpoints must not change with them. Views of this app and of
``elearning_courses`` use :class:`ElearningAPIMixin`.
"""

from django.apps import apps
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.settings import api_settings

from .parsers import ElearningJSONParser


class ElearningPagination(PageNumberPagination):
    """``{count, next, previous, results}``; ``?page=`` and ``?page_size=`` (max 100).

    The page size is the site's ``REST_FRAMEWORK["PAGE_SIZE"]``, 20 when unset.
    """

    page_size_query_param = "page_size"
    max_page_size = 100

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
