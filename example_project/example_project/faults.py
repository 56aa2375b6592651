"""Database faults: a clean 503 instead of a 500 (or, with DEBUG, a traceback page).

A request whose database connection goes away (PostgreSQL restarted, the backend
terminated, the network dropped) gets ``503 Service Unavailable`` with ``Retry-After``:
JSON ``{"detail": ..., "code": "service_unavailable"}`` for the API (``/api/``) and
JSON clients, the site's error page otherwise. Nothing half-written stays behind: the
multi-row writes run in one transaction, which PostgreSQL rolls back with the
connection; Django drops the broken connection and the next request opens a new one.
"""

import logging

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

#: Seconds a client is asked to wait before trying again.
RETRY_AFTER = 5


def _wants_json(request):
    return request.path_info.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def database_unavailable_response(request, exception):
    """The 503 answer to a request that lost its database connection."""
    logger.error("Database unavailable during %s %s", request.method, request.path, exc_info=exception)
    detail = _("The service is temporarily unavailable. Please try again in a moment.")
    if _wants_json(request):
        response = JsonResponse({"detail": detail, "code": "service_unavailable"}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


class DatabaseUnavailableMiddleware:
    """Turns a lost database connection (OperationalError, InterfaceError) into a 503."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        # Async: returns get_response's coroutine, which the handler awaits.
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            return database_unavailable_response(request, exception)
        return None
