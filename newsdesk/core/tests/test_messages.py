"""Every string of the current sources has a Persian and an Arabic translation, and the compiled
catalogues committed beside them (which a fresh clone uses) say what the .po files say."""

from __future__ import annotations

import gettext
import shutil

import pytest
from babel.messages.pofile import read_po

from newsdesk.core.messages import COMMAND, TRANSLATED, catalogue, messages_extract

pytestmark = pytest.mark.skipif(
    not shutil.which("xgettext"),
    reason="xgettext is not installed (Debian package gettext, in .ci/debian-packages): the "
    "strings of the sources cannot be extracted",
)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The catalogues as `make messages` would leave them, made in a scratch folder."""
    return messages_extract(tmp_path_factory.mktemp("messages"))


def _entries(path):
    with path.open("rb") as file:
        return [message for message in read_po(file) if message.id]


def _untranslated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return message.fuzzy or not all(strings)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_of_the_sources_has_a_translation(extracted, language):
    missing = [
        message for message in _entries(catalogue(language, extracted)) if _untranslated(message)
    ]
    listed = "\n".join(
        f"  {message.id!r}" + (f" (context {message.context!r})" if message.context else "")
        for message in missing
    )
    assert not missing, (
        f"{len(missing)} strings have no {language} translation, or a fuzzy one:\n{listed}\n"
        f"Run {COMMAND}, translate them in locale/{language}/LC_MESSAGES/django.po (remove the "
        "fuzzy marks), run it again, and commit the .po and .mo files."
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_committed_compiled_catalogue_matches_its_po_file(language):
    with catalogue(language, suffix="mo").open("rb") as file:
        compiled = gettext.GNUTranslations(file)._catalog
    expected = {}
    for message in _entries(catalogue(language)):
        if _untranslated(message) or isinstance(message.id, tuple):
            continue
        key = f"{message.context}\x04{message.id}" if message.context else message.id
        expected[key] = message.string
    stale = sorted(key for key, text in expected.items() if compiled.get(key) != text)
    assert not stale, (
        f"locale/{language}/LC_MESSAGES/django.mo is older than its .po file for "
        f"{len(stale)} strings ({stale[:5]}...): run {COMMAND} and commit the .mo file."
    )
