"""Reading rendered pages in tests: a spec-conformant parser (html5lib) that reports errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import html5lib


def parse(content: bytes | str) -> tuple[ET.Element, list]:
    """The document tree and html5lib's parse errors (an empty list for valid markup)."""
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)
    document = parser.parse(content)
    return document, list(parser.errors)


def text(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def find_all(document: ET.Element, tag: str, cls: str | None = None) -> list[ET.Element]:
    found = document.iter(tag)
    if cls is None:
        return list(found)
    return [e for e in found if cls in (e.get("class") or "").split()]


def one(document: ET.Element, tag: str, cls: str | None = None) -> ET.Element:
    found = find_all(document, tag, cls)
    assert len(found) == 1, f"expected one <{tag} class={cls!r}>, found {len(found)}"
    return found[0]


def unlabelled_inputs(document: ET.Element) -> list[str]:
    """Form controls a screen reader could not name (no <label for=...>, no aria-label)."""
    labelled = {label.get("for") for label in document.iter("label")}
    missing = []
    for tag in ("input", "textarea", "select"):
        for control in document.iter(tag):
            if control.get("type") in ("hidden", "submit", "button"):
                continue
            if (
                control.get("id") in labelled
                or control.get("aria-label")
                or control.get("aria-labelledby")
            ):
                continue
            missing.append(control.get("name") or tag)
    return missing
