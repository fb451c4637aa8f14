from django import template

register = template.Library()


@register.filter
def srcset(image, fmt: str) -> str:
    """The image's renditions in one format, as a srcset value."""
    return image.srcset(fmt) if image else ""
