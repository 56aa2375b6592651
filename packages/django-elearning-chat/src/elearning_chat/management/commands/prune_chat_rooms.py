"""``manage.py prune_chat_rooms``: delete rooms that nobody used."""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from ...models import Connection, Message, Room
from ...rooms import LOBBY


class Command(BaseCommand):
    help = (
        "Delete chat rooms without any message (deleted ones included) that were created "
        "more than --older-than hours ago and have nobody in them. The lobby is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=float,
            default=24,
            help="Only rooms created at least this many hours ago (default 24).",
        )
        parser.add_argument("--dry-run", action="store_true", help="List the rooms, delete nothing.")

    def handle(self, *args, older_than, dry_run, **options):
        cutoff = timezone.now() - datetime.timedelta(hours=older_than)
        unused = (
            Room.objects.filter(created_at__lt=cutoff)
            .exclude(slug=LOBBY)
            .exclude(pk__in=Message.objects.values("room_id"))
            .exclude(slug__in=Connection.objects.values("room_slug"))
        )
        slugs = list(unused.values_list("slug", flat=True))
        if not dry_run:
            # Filtered again by the same conditions: a room that got a message meanwhile stays.
            unused.filter(slug__in=slugs).delete()
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb} {len(slugs)} unused room(s)." + ("" if not slugs else " " + ", ".join(slugs))
        )
