"""The chat pages: the room list and a room.

Both need a signed-in user. Access to a room is decided by the configured room
policy (``ELEARNING_CHAT["ROOM_POLICY"]``); a refusal renders a 403 page that says so.
Subclass the views (and point your URL conf at the subclasses) to change the context
or the templates.
"""

import datetime
import json

from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.generic import TemplateView

from . import services
from .conf import app_settings, get_room_policy
from .models import Connection, Message, Room
from .policies import BaseRoomPolicy
from .rooms import LOBBY, is_room_slug, listed_rooms, messages_api_url, websocket_path


class LayoutMixin:
    """Puts ``ELEARNING_CHAT["BASE_TEMPLATE"]``, the layout the page extends, in the
    context as ``elearning_base_template`` (see ``elearning_chat/base.html``)."""

    def get_context_data(self, **kwargs):
        kwargs.setdefault("elearning_base_template", app_settings.BASE_TEMPLATE)
        return super().get_context_data(**kwargs)


class RoomListView(LoginRequiredMixin, LayoutMixin, TemplateView):
    """The lobby and the rooms the policy lists for the user (titles of rooms already
    created come from the database), with their latest message and how many people
    are in each right now: two queries for any number of rooms, plus the policy's."""

    template_name = "elearning_chat/room_list.html"

    def get_rooms(self):
        """``(slug, title)`` of the listed rooms (see :func:`elearning_chat.rooms.listed_rooms`)."""
        return listed_rooms(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rooms = self.get_rooms()
        slugs = [slug for slug, _ in rooms]
        latest = Message.objects.visible().filter(room=OuterRef("pk")).order_by("-id")
        username_field = get_user_model().USERNAME_FIELD
        stored = {
            room.slug: room
            for room in Room.objects.filter(slug__in=slugs).annotate(
                last_body=Subquery(latest.values("body")[:1]),
                last_at=Subquery(latest.values("created_at")[:1]),
                last_author=Subquery(latest.values(f"author__{username_field}")[:1]),
            )
        }
        fresh = timezone.now() - datetime.timedelta(seconds=app_settings.PRESENCE_TTL)
        online = dict(
            Connection.objects.filter(room_slug__in=slugs, seen_at__gte=fresh)
            .values_list("room_slug")
            .annotate(n=Count("user", distinct=True))
            .order_by()
        )
        context["rooms"] = [
            {
                "slug": slug,
                "title": getattr(stored.get(slug), "title", None) or title,
                "url": reverse("elearning_chat:room", kwargs={"room": slug}),
                "is_lobby": slug == LOBBY,
                "last_body": getattr(stored.get(slug), "last_body", None),
                "last_at": getattr(stored.get(slug), "last_at", None),
                "last_author": getattr(stored.get(slug), "last_author", None),
                "online": online.get(slug, 0),
            }
            for slug, title in rooms
        ]
        return context


class RoomView(LoginRequiredMixin, LayoutMixin, TemplateView):
    """One room: history, presence and the composer, driven by ``chat.js``."""

    template_name = "elearning_chat/room.html"
    forbidden_template_name = "elearning_chat/forbidden.html"
    room_limit_template_name = "elearning_chat/room_limit.html"

    def get(self, request, *args, **kwargs):
        slug = kwargs["room"]
        if not is_room_slug(slug):
            raise Http404(gettext("No such room."))
        policy = get_room_policy()
        if not policy.can_join(request.user, slug):
            context = {
                "elearning_base_template": app_settings.BASE_TEMPLATE,
                "room_slug": slug,
                "room_title": policy.get_room_title(slug),
                "denial_reason": self.get_denial_reason(policy, slug),
            }
            return render(request, self.forbidden_template_name, context, status=403)
        self.stored_title = Room.objects.filter(slug=slug).values_list("title", flat=True).first()
        if self.stored_title is None and not services.may_create_room(request.user):
            # The socket would be refused (ROOM_CREATE_LIMIT): say so instead of a dead page.
            context = {
                "elearning_base_template": app_settings.BASE_TEMPLATE,
                "room_slug": slug,
                "room_title": policy.get_room_title(slug),
                "room_limit": app_settings.ROOM_CREATE_LIMIT,
            }
            return render(request, self.room_limit_template_name, context, status=429)
        return super().get(request, *args, **kwargs)

    def get_denial_reason(self, policy, slug):
        # Optional for policies written before it existed (duck-typed, not subclassing
        # BaseRoomPolicy): they get the generic text.
        explain = getattr(policy, "get_denial_reason", None) or BaseRoomPolicy().get_denial_reason
        return explain(self.request.user, slug)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        slug = kwargs["room"]
        policy = get_room_policy()
        user = self.request.user
        title = getattr(self, "stored_title", None) or policy.get_room_title(slug)
        can_moderate = policy.can_moderate(user, slug)
        context.update(
            room_slug=slug,
            room_title=title,
            can_moderate=can_moderate,
            max_length=app_settings.MAX_MESSAGE_LENGTH,
            chat_config={
                "room": slug,
                "wsPath": websocket_path(slug),
                "apiUrl": messages_api_url(slug),
                "user": {"id": user.pk, "username": user.get_username()},
                "canModerate": can_moderate,
                "maxLength": app_settings.MAX_MESSAGE_LENGTH,
                "historyLimit": app_settings.HISTORY_LENGTH,
                "closeCodes": [app_settings.REMOVED_CLOSE_CODE],
                "strings": self.get_strings(),
            },
        )
        # Written into an HTML attribute: autoescaping makes it safe there.
        context["chat_config_json"] = json.dumps(context["chat_config"])
        return context

    def get_strings(self):
        """Texts of the JS client, translated on the server (``%(name)s`` placeholders)."""
        return {
            "connecting": gettext("Connecting…"),
            "reconnecting_now": gettext("Reconnecting…"),
            "connected": gettext("Connected"),
            "reconnecting": gettext("Connection lost. Retrying in %(seconds)s s…"),
            "offline": gettext("You are offline"),
            "closed": gettext("Disconnected"),
            "lost": gettext("Connection lost. Reconnecting…"),
            "removed": gettext("You no longer have access to this room."),
            "logged_out": gettext("Your session has ended. Reload the page to log in again."),
            "not_connected": gettext(
                "Not connected: your message was not sent. Wait for the connection to return."
            ),
            "typing_one": gettext("%(name)s is typing…"),
            "typing_two": gettext("%(first)s and %(second)s are typing…"),
            "typing_many": gettext("%(count)s people are typing…"),
            "you": gettext("you"),
            "presence_more": gettext("and %(count)s more"),
            "room_limit": gettext("You have opened too many new rooms; try again later."),
            "unknown": gettext("Unknown user"),
            "avatar_alt": gettext("%(name)s's picture"),
            "delete": gettext("Delete"),
            "delete_label": gettext("Delete message from %(name)s"),
            "delete_confirm": gettext("Delete this message for everyone?"),
            "close": gettext("Close"),
            "loading": gettext("Loading…"),
            "load_older": gettext("Load older messages"),
            "older_failed": gettext("Could not load older messages. Try again."),
            "counter": gettext("%(count)s / %(max)s"),
            "too_long": gettext("Messages can be at most %(max)s characters long."),
            "today": gettext("Today"),
            "yesterday": gettext("Yesterday"),
            # The outbox: messages not yet acknowledged by the server.
            "outbox_label": gettext("Unsent messages"),
            "sending": gettext("Sending…"),
            "waiting": gettext("Not sent yet: waiting for the connection…"),
            "failed": gettext("Not sent: %(reason)s"),
            "send_failed": gettext("Your message was not sent: %(reason)s"),
            "retry": gettext("Retry"),
            "retry_label": gettext("Retry sending this message"),
            "edit": gettext("Edit"),
            "edit_label": gettext("Edit this unsent message"),
            "discard": gettext("Discard"),
            "discard_label": gettext("Discard this unsent message"),
            "discarded": gettext("Message discarded."),
            "bad_text": gettext("This message contains characters that cannot be sent (control characters)."),
        }
