from django.urls import path

from . import views

app_name = "captcha"

urlpatterns = [
    path("refresh/", views.refresh, name="refresh"),
    path("image/<str:token>/", views.image, name="image"),
    path("image/<str:token>/2x/", views.image, {"scale": 2}, name="image_2x"),
    path("audio/<str:token>/", views.audio, name="audio"),
]
