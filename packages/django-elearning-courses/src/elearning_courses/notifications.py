"""Creating notifications and pushing them to the recipient's open pages.

Every new :class:`~elearning_courses.models.Notification` is pushed, after the
transaction commits, to the channel-layer group :func:`group_name` of its recipient
as ``{"type": "notification", "notification": {...}, "unread_count": N}``;
:class:`~elearning_courses.consumers.NotificationConsumer` relays it to the browser.
``post_save`` covers single saves; :func:`notify_many` pushes what ``bulk_create``
creates (bulk_create sends no signals).
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from .conf import app_settings
from .models import Notification

logger = logging.getLogger(__name__)

#: Group message type; the consumer's handler is ``elearning_notification``.
EVENT_TYPE = "elearning.notification"


def group_name(user_id):
    """The channel-layer group of one user's notification sockets."""
    return f"elearning_notifications.{user_id}"


def unread_count(user):
    return Notification.objects.filter(recipient=user, is_read=False).count()


def notify(recipient, verb, message, url=""):
    """Create one notification (pushed by the ``post_save`` receiver)."""
    return Notification.objects.create(recipient=recipient, verb=verb, message=message[:255], url=url)


def notify_many(recipients, verb, message, url=""):
    """Create the same notification for many users in one query, and push each."""
    created = Notification.objects.bulk_create(
        [Notification(recipient=r, verb=verb, message=message[:255], url=url) for r in recipients]
    )
    for notification in created:
        schedule_push(notification)
    return created


def schedule_push(notification):
    """Push ``notification`` to its recipient once the current transaction commits."""
    if not app_settings.PUSH_NOTIFICATIONS:
        return
    transaction.on_commit(lambda: push(notification))


def _send(user_id, payload):
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group_name(user_id), {"type": EVENT_TYPE, "payload": payload})
    except Exception:  # a down layer must never break the request that notified
        logger.warning("Could not push a notification to user %s", user_id, exc_info=True)


def push(notification):
    """Send a notification and the recipient's new unread count to their sockets now."""
    _send(
        notification.recipient_id,
        {
            "type": "notification",
            "notification": notification.as_dict(),
            "unread_count": unread_count(notification.recipient_id),
        },
    )


def push_unread_count(user):
    """Tell the user's open pages their unread count changed (e.g. after marking read)."""
    if not app_settings.PUSH_NOTIFICATIONS:
        return
    user_id = getattr(user, "pk", user)
    transaction.on_commit(
        lambda: _send(user_id, {"type": "unread_count", "unread_count": unread_count(user_id)})
    )


def mark_read(user, notification_id):
    """Mark one of ``user``'s notifications read -> whether it was theirs and unread."""
    changed = Notification.objects.filter(recipient=user, pk=notification_id, is_read=False).update(
        is_read=True
    )
    if changed:
        push_unread_count(user)
    return bool(changed)


def mark_all_read(user):
    """Mark all of ``user``'s notifications read -> how many changed."""
    changed = Notification.objects.filter(recipient=user, is_read=False).update(is_read=True)
    if changed:
        push_unread_count(user)
    return changed
