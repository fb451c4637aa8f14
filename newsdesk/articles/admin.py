from django.contrib import admin, messages
from django.core.cache import cache

from newsdesk.core.context_processors import NAV_SECTIONS_KEY

from .models import Article, Author, Keyword, Section
from .services import article_publish, article_unpublish


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["news_id", "headline", "status", "published_at", "section", "is_top_story", "updated_at"]
    list_display_links = ["news_id", "headline"]
    list_filter = ["status", "section", "is_top_story", "language", ("published_at", admin.DateFieldListFilter)]
    list_select_related = ["section"]
    search_fields = ["headline", "summary", "=news_id"]
    date_hierarchy = "published_at"
    readonly_fields = ["news_id", "created_at", "updated_at"]
    autocomplete_fields = ["keywords", "authors"]
    prepopulated_fields = {"slug": ["headline"]}
    show_full_result_count = False
    actions = ["publish_now", "unpublish"]
    fieldsets = [
        (None, {"fields": ["news_id", "headline", "slug", "summary", "body"]}),
        ("Publishing", {"fields": ["status", "published_at", "is_top_story", "section", "language"]}),
        ("Credits", {"fields": ["authors", "source_credits", "keywords"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    @admin.action(description="Publish selected articles now", permissions=["change"])
    def publish_now(self, request, queryset):
        for article in queryset:
            article_publish(article=article, by=request.user)
        self.message_user(request, f"Published {len(queryset)} article(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected articles", permissions=["change"])
    def unpublish(self, request, queryset):
        for article in queryset:
            article_unpublish(article=article, by=request.user)
        self.message_user(request, f"Unpublished {len(queryset)} article(s).", messages.SUCCESS)


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        cache.delete(NAV_SECTIONS_KEY)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        cache.delete(NAV_SECTIONS_KEY)


@admin.register(Keyword)
class KeywordAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
