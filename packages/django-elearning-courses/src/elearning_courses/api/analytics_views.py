"""``GET /api/courses/{id}/analytics/``: the analytics page's numbers as JSON."""

from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import analytics
from ..models import Course
from .analytics_serializers import CourseAnalyticsSerializer
from .base import BaseViewSet
from .schema import OpenApiResponse, extend_schema


class CourseAnalyticsView(BaseViewSet, APIView):
    """A course's analytics for its teacher and staff: the numbers the analytics page
    shows (enrollments per week, completion, lesson drop-off, ratings, chat activity).

    A course the user may not see (someone else's draft, an unknown id) is a 404; a
    course they see but do not teach a 403 (``code``: ``not_owner``).
    """

    pagination_class = None

    @extend_schema(
        summary="A course's analytics (its teacher, staff)",
        responses={
            200: CourseAnalyticsSerializer,
            403: OpenApiResponse(description="Not the course's teacher (code not_owner)"),
            404: OpenApiResponse(description="No such course, or a draft of someone else"),
        },
    )
    def get(self, request, course_pk):
        course = get_object_or_404(Course.objects.visible_to(request.user), pk=course_pk)
        numbers = analytics.course_analytics(request.user, course)
        return Response(CourseAnalyticsSerializer(numbers.as_dict()).data)
