"""Course analytics with the chat app installed (the demo site): the course room's
messages per day reach the API and the staff overview, deleted messages, other rooms and
days before the window left out (the courses app reads them through the app registry)."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from elearning_chat.models import Message, Room
from elearning_courses import analytics, services

pytestmark = pytest.mark.django_db


def make_user(username, role, **extra):
    return get_user_model().objects.create_user(username, password="Long-enough-pass-1", role=role, **extra)


def say(room, author, body, days_ago=0, deleted=False):
    message = Message.objects.create(room=room, author=author, body=body, deleted=deleted)
    # created_at is set on insert: move it back afterwards.
    when = timezone.now() - datetime.timedelta(days=days_ago)
    Message.objects.filter(pk=message.pk).update(created_at=when)


def test_course_room_messages_per_day():
    teacher = make_user("tess", "teacher")
    course = services.create_course(teacher, title="Tides", description="Spring and neap.")
    other = services.create_course(teacher, title="Waves", description="Swell.")
    room = Room.objects.create(slug=course.chat_room)
    elsewhere = Room.objects.create(slug=other.chat_room)
    say(room, teacher, "Welcome")
    say(room, teacher, "Questions?")
    say(room, teacher, "Removed", deleted=True)
    say(room, teacher, "Two days ago", days_ago=2)
    say(room, teacher, "Before the window", days_ago=45)
    say(elsewhere, teacher, "Another course")

    client = APIClient()
    client.force_authenticate(teacher)
    response = client.get(f"/api/courses/{course.pk}/analytics/")
    assert response.status_code == 200
    chat = [day["messages"] for day in response.json()["chat"]]
    assert (len(chat), chat[-1], chat[-3], sum(chat)) == (30, 2, 1, 3)

    rows = {row.pk: row for row in analytics.overview()}
    assert (rows[course.pk].message_count, rows[other.pk].message_count) == (3, 1)

    staff = make_user("root", "teacher", is_staff=True)
    client.force_authenticate(staff)
    assert client.get(f"/api/courses/{course.pk}/analytics/").json()["chat"] == response.json()["chat"]
