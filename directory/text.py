"""Accent- and case-folding: the one normalisation used for stored search columns and queries."""

import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_WORDS = 8


def fold(text: str) -> str:
    """'Fiscalía General' -> 'fiscalia general' (NFKD, combining marks removed, casefolded)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def query_words(text: str) -> list[str]:
    """The distinct folded words of a free-text query, at most MAX_QUERY_WORDS of them."""
    words: list[str] = []
    for word in _WORD.findall(fold(text)):
        if word not in words:
            words.append(word)
    return words[:MAX_QUERY_WORDS]
