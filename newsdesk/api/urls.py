from newsdesk.core.surrogate import public

from .api import api

app_name = "api"

# Every operation answers anonymous GETs with one copy for all, named by what it shows.
urlpatterns = api.urls[0]
for pattern in urlpatterns:
    pattern.callback = public("api")(pattern.callback)
