from django.urls import path

from .views import MemberListView, MessageListView, RoomListView

app_name = "elearning_chat_api"

urlpatterns = [
    path("rooms/", RoomListView.as_view(), name="room-list"),
    path("rooms/<slug:slug>/messages/", MessageListView.as_view(), name="message-list"),
    path("rooms/<slug:slug>/members/", MemberListView.as_view(), name="member-list"),
]
