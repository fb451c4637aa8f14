from django.urls import path

from . import sitemaps, views

app_name = "feeds"

urlpatterns = [
    path("feeds/<str:fmt>/", views.feed, name="site"),
    path("feeds/section/<str:slug>/<str:fmt>/", views.feed, {"kind": "section"}, name="section"),
    path("feeds/keyword/<str:slug>/<str:fmt>/", views.feed, {"kind": "keyword"}, name="keyword"),
    path("feeds/author/<str:slug>/<str:fmt>/", views.feed, {"kind": "author"}, name="author"),
    path("feeds/language/<str:slug>/<str:fmt>/", views.feed, {"kind": "language"}, name="language"),
    path("sitemap.xml", sitemaps.index, name="sitemap-index"),
    path("sitemap-news.xml", sitemaps.news, name="sitemap-news"),
    path("sitemap-<str:section>.xml", sitemaps.sitemap, name="sitemap"),
    path("robots.txt", sitemaps.robots_txt, name="robots"),
]
