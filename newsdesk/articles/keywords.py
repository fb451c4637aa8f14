"""Keywords suggested from an article's text, offline (YAKE), for the editor to accept."""

from django.utils.html import strip_tags

from .models import Keyword


def keywords_suggest(*, text: str, language: str = "en", limit: int = 8, exclude=()) -> list[str]:
    """Up to `limit` key phrases of the text, best first; existing keyword names are preferred."""
    plain = strip_tags(text).strip()
    if len(plain.split()) < 8:
        return []
    import yake  # here: it brings networkx, most of a second of every process's start-up

    extractor = yake.KeywordExtractor(lan=(language or "en")[:2], n=2, dedupLim=0.8, top=limit * 2)
    excluded = {name.lower() for name in exclude}
    found = []
    for phrase, _score in extractor.extract_keywords(plain):
        phrase = phrase.strip()
        if phrase.lower() in excluded or any(phrase.lower() == f.lower() for f in found):
            continue
        existing = Keyword.objects.named(phrase).first()
        found.append(existing.name if existing else phrase)
        if len(found) == limit:
            break
    return found
