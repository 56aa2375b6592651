"""OpenAPI annotations, when drf-spectacular is installed (it is optional)."""

try:
    from drf_spectacular.types import OpenApiTypes
    from drf_spectacular.utils import (
        OpenApiParameter,
        OpenApiResponse,
        extend_schema,
        extend_schema_view,
        inline_serializer,
    )
except ImportError:  # the host does not publish a schema: annotations become no-ops

    class _AnyOpenApiType:
        """Stands in for ``OpenApiTypes``: every type name is just a placeholder."""

        def __getattr__(self, name):
            return name

    OpenApiTypes = _AnyOpenApiType()

    def extend_schema(*args, **kwargs):
        return lambda target: target

    extend_schema_view = extend_schema

    def OpenApiResponse(*args, **kwargs):  # noqa: N802
        return None

    def inline_serializer(*args, **kwargs):
        return None

    class OpenApiParameter:
        """Stands in for drf-spectacular's: only its construction is needed."""

        PATH = QUERY = "location"

        def __init__(self, *args, **kwargs):
            pass


def register_extensions():
    """Describe :class:`~.serializers.UserRefField` (id in requests, object in responses)
    and :class:`~.serializers.SubjectRefField` (slug in requests, object in responses)."""
    try:
        from drf_spectacular.extensions import OpenApiSerializerFieldExtension
        from drf_spectacular.plumbing import build_basic_type, build_object_type
    except ImportError:  # pragma: no cover
        return

    class UserRefFieldExtension(OpenApiSerializerFieldExtension):
        target_class = "elearning_courses.api.serializers.UserRefField"

        def map_serializer_field(self, auto_schema, direction):
            if direction == "request":
                return build_basic_type(OpenApiTypes.INT)
            return build_object_type(
                properties={
                    "id": build_basic_type(OpenApiTypes.INT),
                    "username": build_basic_type(OpenApiTypes.STR),
                },
                required=["id", "username"],
            )

    class SubjectRefFieldExtension(OpenApiSerializerFieldExtension):
        target_class = "elearning_courses.api.serializers.SubjectRefField"

        def map_serializer_field(self, auto_schema, direction):
            if direction == "request":
                schema = build_basic_type(OpenApiTypes.STR)
                schema["description"] = "The subject's slug (null: none)."
            else:
                schema = build_object_type(
                    properties={
                        "id": build_basic_type(OpenApiTypes.INT),
                        "name": build_basic_type(OpenApiTypes.STR),
                        "slug": build_basic_type(OpenApiTypes.STR),
                    },
                    required=["id", "name", "slug"],
                )
            schema["nullable"] = True
            return schema
