"""Creating notifications and pushing them to the recipient's open pages.

Every new :class:`~elearning_courses.models.Notification` is pushed, after the
transaction commits, to the channel-layer group :func:`group_name` of its recipient
as ``{"type": "notification", "notification": {...}, "html": "<li>...</li>",
"unread_count": N}``; :class:`~elearning_courses.consumers.NotificationConsumer`
relays it to the browser. ``html`` is the item rendered from
``elearning_courses/includes/notification_item.html``, the template the
notifications page renders its items with, so ``bell.js`` builds no markup of its own.

``post_save`` covers single saves; :func:`notify_many` pushes what ``bulk_create``
creates (bulk_create sends no signals), all of them from one after-commit callback,
:class:`PushBatch`: one grouped unread-count query for all the recipients, then one
group send per notification, all sent from one hop into the event loop.

Pushes are best effort: the notification is stored whatever happens to the channel
layer. Each group send is retried once on a connection error (a pooled connection that a
restarted Redis closed); a push that still fails, or any error while preparing the
pushes, is logged and never fails the request that created the notifications.
"""

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import Count
from django.template.loader import render_to_string

from .conf import app_settings
from .live import retrying
from .models import Notification

logger = logging.getLogger(__name__)

#: Group message type; the consumer's handler is ``elearning_notification``.
EVENT_TYPE = "elearning.notification"
#: The one template of a notification in a list: the page's items and the pushed ``html``.
ITEM_TEMPLATE = "elearning_courses/includes/notification_item.html"


def group_name(user_id):
    """The channel-layer group of one user's notification sockets."""
    return f"elearning_notifications.{user_id}"


def unread_count(user):
    return Notification.objects.filter(recipient=user, is_read=False).count()


def unread_counts(user_ids):
    """``{user id: unread count}`` for many users in one query (0 for those with none)."""
    counts = dict.fromkeys(user_ids, 0)
    rows = (
        Notification.objects.filter(recipient_id__in=counts, is_read=False)
        .values_list("recipient_id")
        .annotate(unread=Count("id"))
        .order_by()
    )
    counts.update(rows)
    return counts


def render_item(notification):
    """The HTML of one notification as a list item (what a push carries as ``html``)."""
    return render_to_string(ITEM_TEMPLATE, {"notification": notification, "live": True})


def notify(recipient, verb, message, url=""):
    """Create one notification (pushed by the ``post_save`` receiver)."""
    return Notification.objects.create(recipient=recipient, verb=verb, message=message[:255], url=url)


def notify_many(recipients, verb, message, url=""):
    """Create the same notification for many users in one query, and push each."""
    created = Notification.objects.bulk_create(
        [Notification(recipient=r, verb=verb, message=message[:255], url=url) for r in recipients]
    )
    schedule_pushes(created)
    return created


class PushBatch:
    """The after-commit callback that pushes a batch of notifications."""

    def __init__(self, notifications):
        self.notifications = list(notifications)

    def __call__(self):
        if self.notifications:
            try:
                push_many(self.notifications)
            except Exception:  # after commit: the notifications are stored, the push is a bonus
                logger.warning("Could not push %d notification(s)", len(self.notifications), exc_info=True)


def schedule_push(notification):
    """Push ``notification`` to its recipient once the current transaction commits."""
    schedule_pushes([notification])


def schedule_pushes(notifications):
    """Push ``notifications`` once the current transaction commits, as one batch.

    One callback per call, not one per transaction: merging into a callback registered
    earlier would hide it from ``captureOnCommitCallbacks`` (the callbacks a test
    captures are those registered inside the block), so host sites' tests would miss
    pushes. :func:`notify_many` passes all it creates at once.
    """
    if app_settings.PUSH_NOTIFICATIONS and notifications:
        transaction.on_commit(PushBatch(notifications))


def _send_all(messages):
    """Send ``[(user id, payload), ...]`` to the users' groups, all in one event-loop hop."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send():
        results = await asyncio.gather(
            *(
                retrying(layer.group_send, group_name(uid), {"type": EVENT_TYPE, "payload": p})
                for uid, p in messages
            ),
            return_exceptions=True,
        )
        for (user_id, _payload), result in zip(messages, results, strict=True):
            if isinstance(result, Exception):
                logger.warning("Could not push a notification to user %s", user_id, exc_info=result)

    try:
        async_to_sync(send)()
    except Exception:  # a down layer must never break the request that notified
        logger.warning("Could not push notifications", exc_info=True)


def _send(user_id, payload):
    _send_all([(user_id, payload)])


def push_many(notifications):
    """Send notifications and their recipients' new unread counts to their sockets now."""
    counts = unread_counts({n.recipient_id for n in notifications})
    _send_all(
        [
            (
                n.recipient_id,
                {
                    "type": "notification",
                    "notification": n.as_dict(),
                    "html": render_item(n),
                    "unread_count": counts[n.recipient_id],
                },
            )
            for n in notifications
        ]
    )


def push(notification):
    """Send one notification and the recipient's new unread count to their sockets now."""
    push_many([notification])


def push_unread_count(user):
    """Tell the user's open pages their unread count changed (e.g. after marking read)."""
    if not app_settings.PUSH_NOTIFICATIONS:
        return
    user_id = getattr(user, "pk", user)

    def send_count():
        try:
            _send(user_id, {"type": "unread_count", "unread_count": unread_count(user_id)})
        except Exception:
            logger.warning("Could not push the unread count of user %s", user_id, exc_info=True)

    transaction.on_commit(send_count)


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
