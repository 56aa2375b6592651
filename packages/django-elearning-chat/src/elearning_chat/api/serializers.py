"""Serializers of the chat API: the same JSON shapes as the WebSocket frames."""

from rest_framework import serializers

from ..frames import message_dict
from ..models import MESSAGE_BODY_MAX_LENGTH


class RoomSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    messages_url = serializers.CharField()
    websocket_path = serializers.CharField()


class AuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    avatar_url = serializers.CharField()


class MessageSerializer(serializers.Serializer):
    """A stored message, identical to the ``message`` WebSocket frame."""

    type = serializers.CharField()
    id = serializers.IntegerField()
    room = serializers.CharField()
    author = AuthorSerializer()
    body = serializers.CharField(max_length=MESSAGE_BODY_MAX_LENGTH)
    created_at = serializers.CharField()

    def to_representation(self, instance):
        return message_dict(instance, self.context["room_slug"])


class _Page(serializers.Serializer):
    """The page envelope every list of the chat API answers with (what the OpenAPI
    schema documents: the views build the envelope themselves)."""

    count = serializers.IntegerField(min_value=0)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class RoomPageSerializer(_Page):
    results = RoomSerializer(many=True)


class MessagePageSerializer(_Page):
    results = MessageSerializer(many=True)


class MemberPageSerializer(_Page):
    results = AuthorSerializer(many=True)


class MessageQuerySerializer(serializers.Serializer):
    """``?before=`` and ``?after=``: message ids (exclusive bounds)."""

    before = serializers.IntegerField(required=False, min_value=1)
    after = serializers.IntegerField(required=False, min_value=0)
