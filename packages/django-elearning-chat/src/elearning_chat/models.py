"""Rooms, messages and live connections (presence)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .conf import app_settings
from .text import CLIENT_ID_MAX_LENGTH, InvalidText, clean_body

ROOM_SLUG_PATTERN = r"[-a-zA-Z0-9_]{1,64}"
#: The most characters a stored message body can hold: the ceiling of the
#: MAX_MESSAGE_LENGTH setting (system check elearning_chat.E011).
MESSAGE_BODY_MAX_LENGTH = 10_000

room_slug_validator = RegexValidator(
    rf"^{ROOM_SLUG_PATTERN}\Z", _("Room names use 1 to 64 letters, digits, hyphens or underscores.")
)


class Room(models.Model):
    """A chat room, created on first join where the room policy allows it.

    ``created_by`` counts against ROOM_CREATE_LIMIT; rooms that never got a message are
    removed by the ``prune_chat_rooms`` command."""

    slug = models.CharField(_("slug"), max_length=64, unique=True, validators=[room_slug_validator])
    title = models.CharField(_("title"), max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="elearning_chat_rooms",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["slug"]
        indexes = [models.Index(fields=["created_by", "created_at"], name="elearning_chat_created_idx")]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")

    def __str__(self):
        return self.title or self.slug


class MessageQuerySet(models.QuerySet):
    def visible(self):
        """Messages that were not deleted by a moderator."""
        return self.filter(deleted=False)


class Message(models.Model):
    """A plain-text chat message. Ids increase within a room (and globally)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages", verbose_name=_("room"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="elearning_chat_messages",
        verbose_name=_("author"),
    )
    body = models.TextField(_("body"), max_length=MESSAGE_BODY_MAX_LENGTH)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    deleted = models.BooleanField(_("deleted"), default=False)
    # The sending client's id for the message: a message re-sent after a lost
    # acknowledgement is recognized and stored once (one row per author and client id;
    # messages without one, from old clients or the admin, are never matched). NULL, not
    # "", for "none": NULLs are distinct in a unique constraint on every database.
    client_id = models.CharField(  # noqa: DJ001
        _("client id"), max_length=CLIENT_ID_MAX_LENGTH, null=True, blank=True, default=None, editable=False
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["room", "deleted", "id"], name="elearning_chat_room_idx"),
            models.Index(fields=["author", "created_at"], name="elearning_chat_rate_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["author", "client_id"], name="elearning_chat_client_id_uniq"),
        ]

    def __str__(self):
        return f"{self.author_id}@{self.room_id}: {self.body[:40]}"

    def clean(self):
        # The rules of the WebSocket path for forms too (the admin): text only, line
        # endings normalized, the length counted after that.
        super().clean()
        try:
            self.body = clean_body(self.body, app_settings.MAX_MESSAGE_LENGTH)
        except InvalidText as exc:
            raise ValidationError({"body": exc.detail}, code=exc.code) from None


class Connection(models.Model):
    """One open WebSocket in a room, used to compute presence across processes.

    Each server process refreshes ``seen_at`` of its rows every PRESENCE_HEARTBEAT
    seconds; rows older than PRESENCE_TTL belong to a dead process and are ignored
    (and swept).
    """

    room_slug = models.CharField(_("room"), max_length=64, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="elearning_chat_connections",
        verbose_name=_("user"),
    )
    server_id = models.CharField(_("server process"), max_length=64, db_index=True)
    channel_name = models.CharField(_("connection id"), max_length=200, unique=True)
    seen_at = models.DateTimeField(_("last seen"), db_index=True)

    class Meta:
        verbose_name = _("connection")
        verbose_name_plural = _("connections")

    def __str__(self):
        return f"{self.user_id} in {self.room_slug}"
