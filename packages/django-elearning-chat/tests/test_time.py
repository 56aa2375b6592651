"""The ``ago`` filter (``{% load elearning_chat_time %}``): "just now", then "N minutes ago"."""

from datetime import timedelta

from django.utils import timezone

from elearning_chat.templatetags.elearning_chat_time import ago


def test_the_last_minute_is_just_now():
    now = timezone.now()
    assert ago(now, now) == "just now"
    assert ago(now - timedelta(seconds=59), now) == "just now"


def test_older_moments_say_how_long_ago():
    now = timezone.now()
    assert ago(now - timedelta(minutes=1), now) == "1\xa0minute ago"
    assert ago(now - timedelta(hours=3, minutes=5), now) == "3\xa0hours, 5\xa0minutes ago"


def test_no_moment_is_empty():
    assert ago(None) == ""
