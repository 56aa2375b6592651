"""``GET /api/courses/{id}/analytics/``: the analytics page's numbers as JSON."""

from rest_framework.views import APIView


class CourseAnalyticsView(APIView):
    pass
