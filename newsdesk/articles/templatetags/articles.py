from django import template

register = template.Library()


@register.filter
def srcset(image, fmt: str) -> str:
    """The image's renditions in one format, as a srcset value."""
    return image.srcset(fmt) if image else ""


@register.filter
def embeds(body: str):
    """A sanitized body with links to allowed video sites, alone on a line, shown as players."""
    from ..embeds import embeds_render

    return embeds_render(body or "")
