"""Each role on each admin page: what its guide describes opens (200), the rest is refused with
a page that says which role opens it and who to ask (403). One table, read across by role."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from newsdesk.articles import roles

R, E, M, A, S = "Reporter", "Editor", "Moderator", "Administrator", "superuser"
COLUMNS = (R, E, M, A, S)
OK, NO = 200, 403

# admin URL name: the answer for (Reporter, Editor, Moderator, Administrator, superuser).
# The guides: docs/editors-guide.md (roles), docs/wire-desk.md, docs/moderation.md.
TABLE = {
    "index": (OK, OK, OK, OK, OK),
    "articles_article_changelist": (OK, OK, NO, OK, OK),
    "articles_article_add": (OK, OK, NO, OK, OK),
    "articles_image_changelist": (OK, OK, NO, OK, OK),
    "articles_image_add": (OK, OK, NO, OK, OK),
    "articles_section_changelist": (OK, OK, NO, OK, OK),
    "articles_section_add": (NO, OK, NO, OK, OK),
    "articles_keyword_changelist": (OK, OK, NO, OK, OK),
    "articles_keyword_add": (OK, OK, NO, OK, OK),
    "articles_author_changelist": (OK, OK, NO, OK, OK),
    "articles_author_add": (NO, OK, NO, OK, OK),
    "articles_correction_changelist": (NO, OK, NO, OK, OK),
    "articles_articleevent_changelist": (NO, OK, NO, OK, OK),
    "ingest_source_changelist": (NO, OK, NO, OK, OK),
    "ingest_source_add": (NO, OK, NO, OK, OK),
    "ingest_story_changelist": (NO, OK, NO, OK, OK),
    "ingest_wireitem_changelist": (NO, OK, NO, OK, OK),
    "comments_comment_changelist": (NO, NO, OK, OK, OK),
    "comments_comment_queue": (NO, NO, OK, OK, OK),
    "comments_blockedterm_changelist": (NO, NO, OK, OK, OK),
    "comments_blockedterm_add": (NO, NO, OK, OK, OK),
    "comments_commentsettings_changelist": (NO, NO, OK, OK, OK),
    "comments_ban_changelist": (NO, NO, OK, OK, OK),
    "comments_ban_add": (NO, NO, OK, OK, OK),
    "comments_commentsettings_add": (NO, NO, OK, OK, OK),
    "core_taskfailure_changelist": (NO, OK, NO, OK, OK),
    # The security audit record is for superusers only (docs/security.md).
    "core_securityevent_changelist": (NO, NO, NO, NO, OK),
    # Webhooks carry secrets and reach outside servers: administrators only.
    "webhooks_webhookendpoint_changelist": (NO, NO, NO, OK, OK),
    "webhooks_webhookendpoint_add": (NO, NO, NO, OK, OK),
    "webhooks_webhookdelivery_changelist": (NO, NO, NO, OK, OK),
    "auth_user_changelist": (NO, NO, NO, OK, OK),
    "auth_user_add": (NO, NO, NO, OK, OK),
    "auth_group_changelist": (NO, NO, NO, OK, OK),
}
# Roles that open a page in the table, as the refusal names them.
NEEDED = {
    "articles_section_add": "Editor",
    "articles_author_add": "Editor",
    "articles_correction_changelist": "Editor",
    "ingest_source_changelist": "Editor",
    "ingest_story_changelist": "Editor",
    "ingest_wireitem_changelist": "Editor",
    "comments_comment_changelist": "Moderator",
    "comments_blockedterm_changelist": "Moderator",
    "comments_commentsettings_add": "Moderator",
    "core_taskfailure_changelist": "Editor",
    "auth_user_changelist": "Administrator",
}


def _user(role: str):
    users = get_user_model().objects
    if role == S:
        return users.create_superuser("root", "root@example.org", "pw")
    user = users.create_user(role.lower(), password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "role", "expected"),
    [(name, role, codes[i]) for name, codes in TABLE.items() for i, role in enumerate(COLUMNS)],
)
def test_each_role_on_each_admin_page(client, url_name, role, expected):
    get_user_model().objects.create_superuser("chief", "chief@example.org", "pw")
    client.force_login(_user(role))
    response = client.get(reverse(f"admin:{url_name}"))
    assert response.status_code == expected, f"{role} on {url_name}"
    if expected == NO:
        page = response.content.decode()
        assert "You cannot open this page" in page
        assert "ask one of the site's administrators" in page
        assert "chief@example.org" in page
        if url_name in NEEDED:
            assert f"This page is for the {NEEDED[url_name]}" in page


def test_the_table_covers_every_model_in_the_admin():
    registered = {f"{m._meta.app_label}_{m._meta.model_name}" for m in admin.site._registry}
    covered = {name.rsplit("_", 1)[0] for name in TABLE if name != "index"}
    assert registered <= covered, f"add rows for {sorted(registered - covered)}"


@pytest.mark.django_db
def test_a_refusal_names_the_roles_and_the_administrators(client):
    get_user_model().objects.create_user(
        "ada", email="ada@example.org", first_name="Ada", last_name="Lovelace", is_superuser=True
    )
    client.force_login(_user(R))
    page = client.get(reverse("admin:ingest_source_changelist"))
    assert page.status_code == 403
    assert "Ingest → sources" in page.content.decode()
    assert "This page is for the Editor, Administrator roles." in page.content.decode()
    assert "Your role: Reporter." in page.content.decode()
    assert "Ada Lovelace" in page.content.decode()


@pytest.mark.django_db
def test_an_administrator_refused_the_security_log_is_told_it_is_for_superusers(client):
    client.force_login(_user(A))
    page = client.get(reverse("admin:core_securityevent_changelist")).content.decode()
    assert "This page is for superusers only." in page


@pytest.mark.django_db
def test_outside_the_admin_a_refusal_is_djangos_own(client, rf):
    from django.core.exceptions import PermissionDenied

    from newsdesk.articles.denied import permission_denied

    request = rf.get("/comments/somewhere/")
    request.user = get_user_model()(username="x", is_staff=True)
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert b"You cannot open this page" not in response.content


@pytest.mark.django_db
def test_roles_name_only_permissions_that_exist():
    # roles_sync answers what it could not find: a misspelt permission would silently vanish.
    from django.contrib.auth.models import Permission

    assert roles.roles_sync(Group=Group, Permission=Permission) == {}
