"""Readable differences between two revisions, field by field.

Paragraphs stand side by side, and inside a changed paragraph the words that changed are marked
(difflib on words, never on characters). The text is shown as readers read it: the body's markup
is dropped and its entities (&nbsp;, &amp;) become the characters they stand for, so no markup
is left to see. Everything shown is escaped; the browser wraps lines between words.
"""

import difflib
import html
import re
from dataclasses import dataclass
from itertools import zip_longest

from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.safestring import SafeString, mark_safe

FIELDS = [
    ("headline", "Headline"),
    ("summary", "Summary"),
    ("body", "Body"),
    ("section", "Section"),
    ("keywords", "Keywords"),
    ("authors", "Authors"),
    ("source_credits", "Source credits"),
    ("slug", "Slug"),
    ("language", "Language"),
    ("is_top_story", "Top story"),
    ("embargo_until", "Embargo until"),
    ("lead_image_id", "Lead image"),
]
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|figcaption|pre|tr|caption)>|<br\s*/?>", re.I)


@dataclass
class FieldDiff:
    label: str
    table: SafeString


def _paragraphs(field: str, value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    text = str(value)
    if field == "body":
        text = html.unescape(strip_tags(_BLOCK_END.sub("\n", text)))
    # str.split() splits at every Unicode space, the no-break space included.
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()] or [""]


def _marked(words: list[str], tag: str) -> SafeString:
    return format_html("<{}>{}</{}>", mark_safe(tag), " ".join(words), mark_safe(tag))  # noqa: S308


def _words(old: str, new: str) -> tuple[SafeString, SafeString]:
    """Both sides of a changed paragraph, the words only one side has marked."""
    a, b = old.split(), new.split()
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            left.append(format_html("{}", " ".join(a[i1:i2])))
            right.append(format_html("{}", " ".join(b[j1:j2])))
            continue
        if i2 > i1:
            left.append(_marked(a[i1:i2], "del"))
        if j2 > j1:
            right.append(_marked(b[j1:j2], "ins"))
    return mark_safe(" ".join(left)), mark_safe(" ".join(right))  # noqa: S308 - parts escaped


def _rows(a: list[str], b: list[str]) -> list[tuple[str, SafeString, SafeString]]:
    """(class, old cell, new cell) per row: changes, with one unchanged paragraph either side."""
    rows = []
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for n, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            same = a[i1:i2]
            head = [same[0]] if n > 0 else []  # after a change
            tail = [same[-1]] if n + 1 < len(opcodes) and len(same) > len(head) else []
            hidden = len(same) - len(head) - len(tail)
            rows += [("same", format_html("{}", p), format_html("{}", p)) for p in head]
            if hidden:
                note = format_html("{} unchanged paragraph{}", hidden, "" if hidden == 1 else "s")
                rows.append(("skipped", note, note))
            rows += [("same", format_html("{}", p), format_html("{}", p)) for p in tail]
            continue
        for old, new in zip_longest(a[i1:i2], b[j1:j2]):
            if old is not None and new is not None:
                rows.append(("changed", *_words(old, new)))
            elif old is not None:
                rows.append(("removed", _marked(old.split(), "del"), mark_safe("")))
            else:
                rows.append(("added", mark_safe(""), _marked(new.split(), "ins")))
    return rows


def revisions_diff(old: dict, new: dict, *, old_label: str, new_label: str) -> list[FieldDiff]:
    """The fields that differ, each as a two-column table of the paragraphs that changed."""
    diffs = []
    for field, label in FIELDS:
        a, b = _paragraphs(field, old.get(field)), _paragraphs(field, new.get(field))
        if a == b:
            continue
        table = format_html(
            '<table class="revision-diff"><thead><tr><th scope="col">{}</th>'
            '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
            old_label,
            new_label,
            format_html_join("", '<tr class="{}"><td>{}</td><td>{}</td></tr>', _rows(a, b)),
        )
        diffs.append(FieldDiff(label=label, table=table))
    return diffs
