app_name = "feeds"

urlpatterns = []
