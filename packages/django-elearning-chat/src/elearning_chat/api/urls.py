app_name = "elearning_chat_api"

urlpatterns = []
