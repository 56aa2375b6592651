"""Serializers of ``GET /api/courses/{id}/analytics/``: the shape of
:class:`~elearning_courses.analytics.CourseAnalytics` (read only), for the schema and the
response alike."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class WeekSerializer(serializers.Serializer):
    week = serializers.DateField(help_text=_("Monday of the week."))
    new = serializers.IntegerField(help_text=_("Students who enrolled that week (and are enrolled now)."))
    total = serializers.IntegerField(help_text=_("Students enrolled by the end of that week."))


class CompletionBucketSerializer(serializers.Serializer):
    bucket = serializers.ChoiceField(choices=["0", "1-24", "25-49", "50-74", "75-99", "100"])
    label = serializers.CharField()
    students = serializers.IntegerField()


class LessonDropoffSerializer(serializers.Serializer):
    lesson = serializers.IntegerField(help_text=_("The lesson's id."))
    title = serializers.CharField()
    completed = serializers.IntegerField(help_text=_("Current students who completed the lesson."))
    stopped = serializers.IntegerField(help_text=_("Current students whose furthest completed lesson it is."))


class RatingCountSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    count = serializers.IntegerField()


class ChatDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    messages = serializers.IntegerField()


class CourseAnalyticsSerializer(serializers.Serializer):
    course_id = serializers.IntegerField()
    students = serializers.IntegerField(help_text=_("Students enrolled now."))
    lessons = serializers.IntegerField(help_text=_("Published lessons (what students see)."))
    enrollments = WeekSerializer(many=True)
    completion = CompletionBucketSerializer(many=True)
    dropoff = LessonDropoffSerializer(many=True)
    ratings = RatingCountSerializer(many=True)
    rating_average = serializers.FloatField(allow_null=True)
    rating_count = serializers.IntegerField()
    chat = ChatDaySerializer(
        many=True,
        allow_null=True,
        help_text=_("Messages per day, today last; null when the site has no chat."),
    )
