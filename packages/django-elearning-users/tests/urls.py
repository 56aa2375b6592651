from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from django.views import View

from elearning_users.decorators import student_required, teacher_required
from elearning_users.mixins import StudentRequiredMixin, TeacherRequiredMixin


@teacher_required
def teacher_only(request):
    return HttpResponse("teacher ok")


@student_required
def student_only(request):
    return HttpResponse("student ok")


class TeacherOnlyView(TeacherRequiredMixin, View):
    def get(self, request):
        return HttpResponse("teacher ok")


class StudentOnlyView(StudentRequiredMixin, View):
    def get(self, request):
        return HttpResponse("student ok")


urlpatterns = [
    path("", lambda request: HttpResponse("home"), name="home"),
    path("accounts/", include("elearning_users.urls")),
    path("users/", include("elearning_users.profile_urls")),
    path("api/", include("elearning_users.api.urls")),
    path("admin/", admin.site.urls),
    path("t/fn/", teacher_only),
    path("s/fn/", student_only),
    path("t/cbv/", TeacherOnlyView.as_view()),
    path("s/cbv/", StudentOnlyView.as_view()),
]
