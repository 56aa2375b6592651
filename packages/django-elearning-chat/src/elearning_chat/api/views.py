"""Read-only chat API: the rooms a user may join and a room's message history."""

from django.apps import apps
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import permissions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .. import services
from ..conf import app_settings, get_room_policy
from ..frames import user_dict
from ..models import Message, Room
from ..rooms import is_room_slug, listed_rooms, messages_api_url, websocket_path
from .parsers import ElearningJSONParser
from .serializers import (
    MemberPageSerializer,
    MessagePageSerializer,
    MessageQuerySerializer,
    MessageSerializer,
    RoomPageSerializer,
    RoomSerializer,
)


class ChatAPIView(GenericAPIView):
    """Authentication and permissions of the chat API, declared here rather than taken from
    the site's ``REST_FRAMEWORK`` defaults: the session, a token where
    ``rest_framework.authtoken`` is installed, then the site's own default classes."""

    permission_classes = [permissions.IsAuthenticated]
    # JSON with limits (see .parsers), forms and multipart, whatever the site's defaults.
    parser_classes = [ElearningJSONParser, FormParser, MultiPartParser]

    def get_authenticators(self):
        classes = [SessionAuthentication]
        if apps.is_installed("rest_framework.authtoken"):
            classes.append(TokenAuthentication)
        classes += [c for c in api_settings.DEFAULT_AUTHENTICATION_CLASSES if c not in classes]
        return [auth() for auth in classes]

    def check_room(self, request, slug):
        """404 for a slug that cannot name a room, 403 when the room policy refuses."""
        if not is_room_slug(slug):
            raise Http404
        if not get_room_policy().can_join(request.user, slug):
            raise PermissionDenied(_("You may not read this room."))


class RoomListView(ChatAPIView):
    """Rooms the current user may join: the lobby plus the room policy's ``visible_rooms``."""

    serializer_class = RoomPageSerializer  # what the schema documents
    pagination_class = None

    def get(self, request):
        rooms = listed_rooms(request.user)
        stored = dict(Room.objects.filter(slug__in=[slug for slug, _ in rooms]).values_list("slug", "title"))
        results = [
            {
                "slug": slug,
                "title": stored.get(slug) or title,
                "messages_url": request.build_absolute_uri(messages_api_url(slug)),
                "websocket_path": websocket_path(slug),
            }
            for slug, title in rooms
        ]
        data = RoomSerializer(results, many=True).data
        return Response({"count": len(data), "next": None, "previous": None, "results": data})


class MessageListView(ChatAPIView):
    """Stored messages of a room, newest first, ``API_PAGE_SIZE`` per page.

    ``?before=<id>``: the page of messages just older than ``id``, newest first.
    ``?after=<id>``: the oldest messages newer than ``id``, oldest first (catch-up).
    ``next`` continues in the same direction, ``previous`` goes the other way. Deleted messages are never listed. A user the room policy
    refuses gets 403.
    """

    serializer_class = MessagePageSerializer  # what the schema documents
    pagination_class = None

    def get(self, request, slug):
        self.check_room(request, slug)
        query = MessageQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise ValidationError(query.errors)
        before = query.validated_data.get("before")
        after = query.validated_data.get("after")
        size = app_settings.API_PAGE_SIZE
        qs = Message.objects.visible().filter(room__slug=slug)
        if before is not None:
            qs = qs.filter(id__lt=before)
        if after is not None:
            qs = qs.filter(id__gt=after)
        ascending = after is not None and before is None
        rows = list(qs.select_related("author").order_by("id" if ascending else "-id")[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        count = len(rows) if not more else qs.count()
        url = request.build_absolute_uri()

        def link(param, pk):
            return replace_query_param(
                remove_query_param(url, "after" if param == "before" else "before"), param, pk
            )

        following = previous = None
        if rows and ascending:  # catch-up: continue towards newer messages
            following = link("after", rows[-1].pk) if more else None
            previous = link("before", rows[0].pk)
        elif rows:  # history: continue towards older messages
            following = link("before", rows[-1].pk) if more else None
            previous = link("after", rows[0].pk) if before is not None else None
        serializer = MessageSerializer(rows, many=True, context={"room_slug": slug})
        return Response({"count": count, "next": following, "previous": previous, "results": serializer.data})


class MemberPagination(PageNumberPagination):
    """``?page=``; ``MEMBERS_PAGE_SIZE`` members per page. A ``page`` that is not a
    positive integer is a 400 (DRF would quietly give the first page)."""

    def paginate_queryset(self, queryset, request, view=None):
        value = request.query_params.get(self.page_query_param)
        if value is not None and not (
            value.isascii() and value.isdigit() and value[0] != "0" and len(value) < 10
        ):
            raise ValidationError({self.page_query_param: [_("Must be a positive integer.")]})
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        return app_settings.MEMBERS_PAGE_SIZE


class MemberListView(ChatAPIView):
    """Everyone in a room now (an open socket in any server process), by username,
    paged with ``?page=``: the full list behind the capped ``presence`` frames. Same
    access as the room: a user the room policy refuses gets 403."""

    serializer_class = MemberPageSerializer  # what the schema documents
    pagination_class = MemberPagination

    def get(self, request, slug):
        self.check_room(request, slug)
        page = self.paginate_queryset(services.present_users(slug))
        return self.get_paginated_response([user_dict(user) for user in page])
