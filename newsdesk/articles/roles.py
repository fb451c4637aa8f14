"""The newsroom's roles: groups and exactly the permissions each needs.

A migration creates the groups; after every `migrate` the same definitions are applied again
(adding what is missing), so permissions that other apps define later reach their roles too.
Users also need "staff status" to sign in to the admin.
"""

REPORTER = "Reporter"
EDITOR = "Editor"
MODERATOR = "Moderator"
ADMINISTRATOR = "Administrator"


def _crud(app: str, model: str, *verbs: str) -> list[str]:
    return [f"{app}.{verb}_{model}" for verb in verbs]


ROLES: dict[str, list[str]] = {
    # Writes and edits own drafts (the admin limits changes to them), submits them for review.
    REPORTER: [
        *_crud("articles", "article", "add", "change", "view"),
        "articles.submit_article",
        *_crud("articles", "section", "view"),
        *_crud("articles", "keyword", "add", "view"),
        *_crud("articles", "author", "view"),
        *_crud("articles", "image", "add", "change", "view"),
        *_crud("articles", "revision", "view"),
    ],
    # Edits, schedules, publishes and unpublishes any article; reads the audit log and task alarms.
    EDITOR: [
        *_crud("articles", "article", "add", "change", "delete", "view"),
        "articles.submit_article",
        "articles.publish_article",
        *_crud("articles", "section", "add", "change", "delete", "view"),
        *_crud("articles", "keyword", "add", "change", "delete", "view"),
        *_crud("articles", "author", "add", "change", "delete", "view"),
        *_crud("articles", "image", "add", "change", "delete", "view"),
        *_crud("articles", "correction", "add", "change", "delete", "view"),
        *_crud("articles", "revision", "view"),
        *_crud("articles", "articleevent", "view"),
        *_crud("core", "taskfailure", "view", "change"),
        # The wire desk (docs/wire-desk.md): sources are theirs to run; stories and wire items
        # are read, and drafted from.
        *_crud("ingest", "source", "add", "change", "delete", "view"),
        *_crud("ingest", "story", "view"),
        *_crud("ingest", "wireitem", "view"),
        *_crud("ingest", "wireitemversion", "view"),
    ],
    # Comments only (docs/moderation.md): the queue, the block list, per-article settings.
    MODERATOR: [
        *_crud("comments", "comment", "view", "change"),
        "comments.moderate_comment",
        *_crud("comments", "blockedterm", "add", "change", "delete", "view"),
        *_crud("comments", "commentsettings", "add", "change", "delete", "view"),
        *_crud("comments", "ban", "add", "change", "delete", "view"),
    ],
    # Everything, including users and groups.
    ADMINISTRATOR: ["*"],
}


def roles_with(perm: str) -> list[str]:
    """The roles that hold `perm` ("app_label.codename"), in the order of ROLES."""
    return [name for name, perms in ROLES.items() if perms == ["*"] or perm in perms]


def roles_sync(*, Group, Permission) -> dict[str, list[str]]:
    """Create the groups and add each one's permissions that exist; returns those still missing."""
    missing: dict[str, list[str]] = {}
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        if perms == ["*"]:
            group.permissions.add(*Permission.objects.all())
            continue
        found = []
        for perm in perms:
            app_label, codename = perm.split(".", 1)
            match = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if match is None:
                missing.setdefault(name, []).append(perm)
            else:
                found.append(match)
        group.permissions.add(*found)
    return missing
