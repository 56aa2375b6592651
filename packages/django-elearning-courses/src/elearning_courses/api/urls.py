app_name = "elearning_courses_api"

urlpatterns = []
