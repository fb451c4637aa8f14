from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("post/<int:news_id>/", views.comment_post, name="post"),
]
