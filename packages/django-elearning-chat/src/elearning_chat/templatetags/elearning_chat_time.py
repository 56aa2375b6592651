"""``{% load elearning_chat_time %}``: ``{{ moment|ago }}``, a past moment as people say it.

``timesince`` alone gives "0 minutes" for the last minute, so the pages said
"0 minutes ago"; ``ago`` says "just now" there and "5 minutes ago" after.
"""

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext

register = template.Library()

#: Under this age a moment is "just now" (timesince counts whole minutes).
JUST_NOW = timedelta(minutes=1)


@register.filter
def ago(value, now=None):
    """``value`` (a datetime) as "just now" or "<timesince> ago"; "" for no value."""
    if not value:
        return ""
    now = now or timezone.now()
    if now - value < JUST_NOW:
        return gettext("just now")
    return gettext("%(since)s ago") % {"since": timesince(value, now)}
