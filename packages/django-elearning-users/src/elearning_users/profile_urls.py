"""Public profile pages, mounted apart from the account pages (the demo uses ``/users/``)."""

from django.urls import path

from . import views

app_name = "elearning_profiles"

urlpatterns = [
    path("<str:username>/", views.PublicProfileView.as_view(), name="detail"),
]
