from django.urls import path

from . import views

app_name = "captcha"

urlpatterns = [
    path("refresh/", views.refresh, name="refresh"),
    path("image/<str:token>/", views.image, name="image"),
    path("audio/<str:token>/", views.audio, name="audio"),
]
