"""Readable differences between two revisions (difflib), field by field."""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import strip_tags
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
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|figcaption|pre)>|<br\s*/?>", re.I)


@dataclass
class FieldDiff:
    label: str
    table: SafeString


def _lines(field: str, value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    if field == "body":
        text = _BLOCK_END.sub("\n", str(value))
        return [line.strip() for line in strip_tags(text).splitlines() if line.strip()]
    return str(value).splitlines() or [""]


def revisions_diff(old: dict, new: dict, *, old_label: str, new_label: str) -> list[FieldDiff]:
    """The fields that differ, each as a side-by-side table of changed lines with context."""
    differ = difflib.HtmlDiff(wrapcolumn=70)
    diffs = []
    for field, label in FIELDS:
        a, b = _lines(field, old.get(field)), _lines(field, new.get(field))
        if a == b:
            continue
        # HtmlDiff escapes the text it shows; its markup is a plain table with classes only.
        table = differ.make_table(
            a, b, fromdesc=old_label, todesc=new_label, context=True, numlines=2
        )
        diffs.append(FieldDiff(label=label, table=mark_safe(table)))  # noqa: S308
    return diffs
