"""A small, dependency-free guess of a text's language from its most common words.

It knows the networks' working languages and a few neighbours. It answers only when the
evidence is clear (enough hits, and a clear lead over the runner-up); otherwise None, and the
requester chooses the source language.
"""

import re

_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)

# The commonest short words of each language, space-separated.
_COMMON_WORDS = {
    "en": "the and of to in is that it for was on with as are be this have from by not "
    "at we you they he she were has had will would which their our been there",
    "es": "el la los las de del que y en un una por con para es se no su al lo como más "
    "pero sus fue este esta son entre cuando muy sin sobre también hay ha",
    "pt": "o a os as de do da dos das que e em um uma para com não por se na no é ao "
    "mais foi pelo pela são também está ele ela isso seu sua",
    "fr": "le la les de des du et en un une est que qui pour dans pas par sur au aux ce "
    "il elle nous vous ils sont avec plus mais été cette ont",
    "de": "der die das und ist nicht ein eine zu den mit von dem sich des auf für im "
    "auch es an werden aus er hat dass sie nach bei",
    "it": "il la di che e un una per non sono con del della le gli si è da al nel anche "
    "ma questo come più dei delle stato",
}
STOPWORDS = {code: frozenset(words.split()) for code, words in _COMMON_WORDS.items()}

MIN_HITS = 3


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the language `text` is most likely in, or None if unclear."""
    words = [word.lower() for word in _WORDS.findall(text or "")]
    if not words:
        return None
    scores = sorted(
        ((sum(word in stops for word in words), code) for code, stops in STOPWORDS.items()),
        reverse=True,
    )
    (best, code), (runner_up, _) = scores[0], scores[1]
    if best < MIN_HITS or best < runner_up * 1.5:
        return None
    return code
