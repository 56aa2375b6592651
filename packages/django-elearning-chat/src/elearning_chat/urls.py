app_name = "elearning_chat"

urlpatterns = []
