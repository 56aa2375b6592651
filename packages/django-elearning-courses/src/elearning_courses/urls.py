app_name = "elearning_courses"

urlpatterns = []
