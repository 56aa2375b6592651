from django.urls import path

from . import views

app_name = "elearning_chat"

urlpatterns = [
    path("", views.RoomListView.as_view(), name="room_list"),
    path("<slug:room>/", views.RoomView.as_view(), name="room"),
]
