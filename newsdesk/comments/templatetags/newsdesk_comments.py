import re

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.html import urlize
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

REL = ' rel="nofollow ugc noopener"'
MAILTO_RE = re.compile(r'<a href="(mailto:[^"]*)">')


@register.filter(is_safe=True)
def comment_text(value: str) -> SafeString:
    """A commenter's text: escaped, web addresses as links that pass no ranking and no opener,
    line breaks kept. urlize escapes everything it does not turn into a link itself."""
    html = urlize(str(value), nofollow=True, autoescape=True)
    # The only unescaped quote characters left in `html` are those urlize wrote itself.
    html = html.replace(' rel="nofollow"', REL)
    html = MAILTO_RE.sub(rf'<a href="\1"{REL}>', html)  # urlize gives mailto links no rel
    return mark_safe(linebreaksbr(mark_safe(html), autoescape=False))  # noqa: S308 - escaped above
