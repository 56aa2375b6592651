from django.contrib.auth import get_user_model
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from .base import ElearningAPIMixin
from .parsers import ElearningJSONParser
from .serializers import MeSerializer, PublicUserSerializer, RegisterSerializer
from .throttles import RegisterRateThrottle


class UserViewSet(
    ElearningAPIMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Register (anyone, throttled), list and read public profiles (authenticated)."""

    queryset = get_user_model().objects.filter(is_active=True).order_by("id")
    parser_classes = (ElearningJSONParser, MultiPartParser, FormParser)

    def get_permissions(self):
        if self.action == "create":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_throttles(self):
        if self.action == "create":
            return [RegisterRateThrottle()]
        return super().get_throttles()

    def get_serializer_class(self):
        if self.action == "create":
            return RegisterSerializer
        if self.action == "me":
            return MeSerializer
        return PublicUserSerializer

    @action(detail=False, methods=["get", "patch"])
    def me(self, request):
        if request.method == "PATCH":
            serializer = MeSerializer(
                request.user, data=request.data, partial=True, context=self.get_serializer_context()
            )
            serializer.is_valid(raise_exception=True)
            serializer.save()
            return Response(serializer.data)
        return Response(MeSerializer(request.user, context={"request": request}).data)
