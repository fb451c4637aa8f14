from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("news/<int:news_id>/", views.article_redirect, name="short"),
    path("news/<int:news_id>/<str:slug>/", views.article_detail, name="detail"),
    path("section/<str:slug>/", views.section_detail, name="section"),
    path("keyword/<str:slug>/", views.keyword_detail, name="keyword"),
    path("preview/<int:news_id>/", views.article_preview, name="preview"),
    path("preview/s/<str:token>/", views.article_preview_shared, name="preview_shared"),
]
