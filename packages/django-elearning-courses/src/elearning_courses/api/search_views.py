"""``GET /api/search/?q=``: the search page's results as JSON."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView

from elearning_users.api.base import ElearningPagination

from ..models import SearchEntry
from ..search.forms import SearchForm
from ..search.results import CourseResults
from .base import BaseViewSet
from .schema import OpenApiParameter, OpenApiTypes, extend_schema


class SearchCourseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    url = serializers.CharField(source="get_absolute_url")


class SearchHitSerializer(serializers.Serializer):
    # A CharField: another "kind" enum (lessons') would collide in the schema's names.
    kind = serializers.CharField(help_text=_("course, module, lesson or material."))
    title = serializers.CharField(help_text=_("HTML: the title, escaped, the matched words in <mark>."))
    snippet = serializers.CharField(
        help_text=_("HTML: an excerpt of the text, escaped, the matched words in <mark>.")
    )
    url = serializers.CharField(
        help_text=_("The course, the module in the course's outline, or the lesson page.")
    )


class SearchResultSerializer(serializers.Serializer):
    course = SearchCourseSerializer()
    hits = SearchHitSerializer(many=True)


class SearchPagination(ElearningPagination):
    """The paginated envelope plus ``truncated``: whether more entries matched than
    ``SEARCH_MAX_MATCHES``, so that the results come from the first ones found."""

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["truncated"] = self.page.paginator.object_list.truncated
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["required"] = [*schema["required"], "truncated"]
        schema["properties"]["truncated"] = {
            "type": "boolean",
            "description": (
                "True when more index entries matched than SEARCH_MAX_MATCHES: the results "
                "are ranked among the first ones found, not all of them (add words to narrow "
                "the search). False: every match was ranked."
            ),
        }
        return schema


class SearchView(BaseViewSet, ListAPIView):
    """The courses in which the user finds ``q``, best first, with their best hits.

    The same results and access rules as the search page: drafts only for their teacher
    and staff, lesson text and materials only for those who may read the lesson.
    """

    serializer_class = SearchResultSerializer
    # Not the site's DEFAULT_FILTER_BACKENDS: results are ranked search hits, not a
    # queryset a host's ordering or filter backend could be applied to (?ordering= was a 500).
    filter_backends = ()
    pagination_class = SearchPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular's schema generation
            return SearchEntry.objects.none()
        form = SearchForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        if not form.query:
            raise ValidationError({"q": [SearchForm.EMPTY_MESSAGE]})
        return CourseResults(self.request.user, form.query)

    @extend_schema(
        summary="Search inside courses (ranked, grouped by course, paginated by course)",
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=True,
                description="Words to find (at most 100 characters and 10 words).",
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
