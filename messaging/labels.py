"""What the labels of a message mean, in the reader's language: the handling codes H0–H3 and
the evaluation codes (source reliability A, B, C, X × information reliability 1–4).

The one place their explanations live: the composer's legend, the badges' accessible
descriptions and the legend page all read them from here.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messaging.models import EVALUATION_CODES, MessageHandling

SOURCE_RELIABILITY = {
    "A": gettext_lazy("reliable"),
    "B": gettext_lazy("mostly reliable"),
    "C": gettext_lazy("not reliable"),
    "X": gettext_lazy("cannot be assessed"),
}
INFORMATION_RELIABILITY = {
    "1": gettext_lazy("accuracy not in doubt"),
    "2": gettext_lazy("known personally to the source but not to the person passing it on"),
    "3": gettext_lazy("not known personally to the source but corroborated"),
    "4": gettext_lazy("not known personally to the source and not corroborated"),
}
# The codes that ask the sender to confirm them before the message goes out.
CONFIRMED_HANDLING = (MessageHandling.H2, MessageHandling.H3)


def handling_description(code: str) -> str:
    """`H2: not to be disseminated without the provider's permission`, or "" if unknown."""
    try:
        return str(MessageHandling(code).label)
    except ValueError:
        return ""


def evaluation_description(code: str) -> str:
    """`B2` → the reliability of the source and of the information in words, or ""."""
    if code not in EVALUATION_CODES:
        return ""
    return _("Source %(source)s: %(source_words)s. Information %(info)s: %(info_words)s.") % {
        "source": code[0],
        "source_words": SOURCE_RELIABILITY[code[0]],
        "info": code[1],
        "info_words": INFORMATION_RELIABILITY[code[1]],
    }


@dataclass(frozen=True)
class Legend:
    handling: list[tuple[str, str]]
    sources: list[tuple[str, str]]
    information: list[tuple[str, str]]
    evaluation_grid: list[tuple[str, list[str]]]


def legend() -> Legend:
    """Every code with its meaning, for the composer's legend and the legend page."""
    return Legend(
        handling=[(code, handling_description(code)) for code in MessageHandling.values],
        sources=[(code, str(words)) for code, words in SOURCE_RELIABILITY.items()],
        information=[(code, str(words)) for code, words in INFORMATION_RELIABILITY.items()],
        evaluation_grid=[
            (source, [f"{source}{info}" for info in INFORMATION_RELIABILITY])
            for source in SOURCE_RELIABILITY
        ],
    )
