"""Highlighted snippets: the backends mark hits with two private-use characters; we escape the text
first and only then turn the marks into <mark> tags, so article text can never inject markup."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

HIT_START = "\ue000"
HIT_END = "\ue001"


def snippet_html(marked: str | None) -> SafeString:
    text = escape(marked or "")
    # Balanced by construction, but a stray mark in article text must not leave a tag open.
    out, open_ = [], False
    for char in text:
        if char == HIT_START and not open_:
            out.append("<mark>")
            open_ = True
        elif char == HIT_END and open_:
            out.append("</mark>")
            open_ = False
        elif char not in (HIT_START, HIT_END):
            out.append(char)
    if open_:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308 - escaped above, only our own tags added
