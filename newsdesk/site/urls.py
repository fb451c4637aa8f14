from django.urls import path

from .views import articles, chrome, search

app_name = "site"

urlpatterns = [
    path("", articles.home, name="home"),
    path("news/<int:news_id>/", articles.article_redirect, name="short"),
    path("news/<int:news_id>/<str:slug>/", articles.article_detail, name="article"),
    path("section/<str:slug>/", articles.section_detail, name="section"),
    path("keyword/<str:slug>/", articles.keyword_detail, name="keyword"),
    path("author/<str:slug>/", articles.author_detail, name="author"),
    path("preview/<int:news_id>/", articles.article_preview, name="preview"),
    path("preview/s/<str:token>/", articles.article_preview_shared, name="preview_shared"),
    path("search/", search.results, name="search"),
    path("favicon.ico", chrome.favicon, name="favicon"),
    path("manifest.webmanifest", chrome.manifest, name="manifest"),
]
