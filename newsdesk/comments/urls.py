from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("<int:news_id>/", views.comment_post, name="post"),
    path("<int:news_id>/form/", views.comment_form, name="form"),
    path("<int:news_id>/write/", views.comment_write, name="write"),
    # Where forms posted before the form left the article page: one still open in a reader's
    # browser across the change must not lose its comment.
    path("post/<int:news_id>/", views.comment_post, name="post_before_move"),
]
