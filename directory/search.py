"""Directory search: the one function behind the search page, the API and the CSV export.

Free text is folded (accents and case) in Python and matched word by word against stored
folded columns, so "fiscalia" finds "Fiscalía" on every database. On PostgreSQL each word's
`LIKE '%word%'` is answered by a pg_trgm GIN index; the ranking adds the full-text rank over a
stored tsvector (an unaccent text search configuration); and when nothing contains the words,
pg_trgm word similarity finds similar spellings ("ouedrago" finds "Ouédraogo") from the same
trigram index. SQLite has no similar-spelling fallback.

Person-level text (the name, position and how-to-reach notes) is matched only in entries
whose details the viewer sees (`Viewer.details_visible`); in every other entry the words must
all be in the institution's name, and nothing person-level enters the score, so neither a hit
nor its rank confirms a person's name.

Ranking: best match first (a word found in the person's or desk's name scores 3, in the
institution's name 2, in the notes 1; PostgreSQL adds up to 0.9 from the full-text rank, in
tenths), then the furthest from going stale (the latest `verification_due_at`: fresh before
stale, then the most recently verified). Entries matched through the institution only score
2 a word.
"""

from dataclasses import dataclass, field

from django.contrib.postgres.search import TrigramWordSimilarity
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Floor
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directory.competences import Competence, related_competences
from directory.models import Authority, ContactPoint, ContactPointCompetence, ContactPointLanguage
from directory.text import fold, query_words
from directory.visibility import Viewer
from network.iso import language_names, state_name, state_names
from network.models import Network

MAX_QUERY_LENGTH = 200
ALTERNATIVES_PER_COMPETENCE = 5


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    state: str = ""
    competence: str = ""
    language: str = ""
    network: Network | None = None
    authority_kind: str = ""

    @property
    def is_empty(self) -> bool:
        return not (
            self.q
            or self.state
            or self.competence
            or self.language
            or self.network
            or self.authority_kind
        )

    def as_query(self) -> dict[str, str]:
        """The filters as query-string parameters (for export links and pagination)."""
        values = {
            "q": self.q,
            "state": self.state,
            "competence": self.competence,
            "language": self.language,
            "network": self.network.slug if self.network else "",
            "authority_type": self.authority_kind,
        }
        return {key: value for key, value in values.items() if value}


def parse_search_params(data) -> SearchParams:
    """Read filters from a query dict; unknown codes raise ValidationError keyed by field."""
    errors: dict[str, str] = {}
    q = (data.get("q") or "").strip()
    if len(q) > MAX_QUERY_LENGTH:
        errors["q"] = _("The search text is longer than %(limit)d characters.") % {
            "limit": MAX_QUERY_LENGTH
        }
    state = (data.get("state") or "").strip().upper()
    if state and state not in state_names():
        errors["state"] = _("%(code)s is not an ISO 3166-1 alpha-2 state code.") % {"code": state}
    competence = (data.get("competence") or "").strip()
    if competence and competence not in Competence.values:
        errors["competence"] = _("%(code)s is not a competence of the directory's taxonomy.") % {
            "code": competence
        }
    language = (data.get("language") or "").strip().lower()
    if language and language not in language_names():
        errors["language"] = _("%(code)s is not an ISO 639-1 language code.") % {"code": language}
    network = None
    slug = (data.get("network") or "").strip()
    if slug:
        network = Network.objects.filter(slug=slug).first()
        if network is None:
            errors["network"] = _("There is no network %(slug)s.") % {"slug": slug}
    kind = (data.get("authority_type") or "").strip()
    if kind and kind not in Authority.Kind.values:
        errors["authority_type"] = _("%(code)s is not an authority type.") % {"code": kind}
    if errors:
        raise ValidationError(errors)
    return SearchParams(q, state, competence, language, network, kind)


def _has_competence(code: str, state: str = "") -> Exists:
    holders = ContactPointCompetence.objects.filter(contact_point=OuterRef("pk"), competence=code)
    return Exists(holders.filter(state=state) if state else holders)


def _base_queryset():
    # Related rows are prefetched for the page only (not joined before sorting every match),
    # and the search columns are not read back.
    return (
        ContactPoint.objects.with_freshness()
        .defer("search_text", "authority_text", "person_text")
        .prefetch_related(
            "authority",
            "authority__parent",
            "member",
            "verified_by",
            "competences",
            "languages",
            "networks",
        )
    )


def _word_score(word: str) -> Case:
    return Case(
        When(details_visible=False, then=Value(2.0)),
        When(person_text__contains=word, then=Value(3.0)),
        When(authority_text__contains=word, then=Value(2.0)),
        default=Value(1.0),
        output_field=FloatField(),
    )


def _matching(queryset, words: list[str]):
    """Every word in the entry's full text where the viewer sees its details, else every
    word in the institution's name."""
    in_full_text = Q(details_visible=True)
    in_authority = Q(details_visible=False)
    for word in words:
        # The full text holds the institution's name: this filter, answered by the trigram
        # index, narrows both cases before the per-entry rule below.
        queryset = queryset.filter(search_text__contains=word)
        in_authority &= Q(authority_text__contains=word)
    return queryset.filter(in_full_text | in_authority)


class _FullTextRank(Func):
    """ts_rank_cd over the stored `search_vector` column (PostgreSQL only, migration 0002)."""

    template = (
        "ts_rank_cd(%(table)s.search_vector, "
        "plainto_tsquery('directory_search'::regconfig, %(expressions)s), 32)"
    )
    output_field = FloatField()


def _postgres_rank(q: str):
    """Full-text rank over the stored vector, normalised to [0, 1) and scaled to < 1."""
    table = connection.ops.quote_name(ContactPoint._meta.db_table)
    return 0.9 * _FullTextRank(Value(q), table=table)


def search_contact_points(params: SearchParams, *, viewer: Viewer):
    """Contact points matching every filter, best match first, then freshest."""
    queryset = _base_queryset()
    if params.state:
        queryset = queryset.filter(state=params.state)
    if params.competence:
        queryset = queryset.filter(_has_competence(params.competence, params.state))
    if params.language:
        queryset = queryset.filter(
            Exists(
                ContactPointLanguage.objects.filter(
                    contact_point=OuterRef("pk"), language=params.language
                )
            )
        )
    if params.network:
        through = ContactPoint.networks.through
        queryset = queryset.filter(
            Exists(through.objects.filter(contactpoint=OuterRef("pk"), network=params.network))
        )
    if params.authority_kind:
        queryset = queryset.filter(authority__kind=params.authority_kind)
    # The furthest from going stale first: fresh before stale, then the most recently
    # verified; one column, indexed on PostgreSQL (cp_freshest).
    freshest = [F("verification_due_at").desc(nulls_last=True), "pk"]
    words = query_words(params.q)
    if not words:
        return queryset.order_by(*freshest)
    # A hit must not confirm a person's name the viewer may not see.
    queryset = queryset.annotate(
        details_visible=ExpressionWrapper(viewer.details_visible(), output_field=BooleanField())
    )
    matches = _matching(queryset, words)
    if connection.vendor == "postgresql" and not matches.exists():
        return _similar_spellings(queryset, " ".join(words), freshest)
    if not viewer.is_member:
        # Ranked by freshness only: a score would tell whether a person's name matched.
        return matches.annotate(fuzzy=Value(False)).order_by(*freshest)
    score = sum((_word_score(word) for word in words), Value(0.0))
    if connection.vendor == "postgresql":
        # Tenths only, so that near-equal matches fall back to freshness. The full-text
        # vector holds person-level text: it ranks only entries whose details are shown.
        rank = Case(
            When(details_visible=True, then=Floor(_postgres_rank(fold(params.q)) * 10) / 10),
            default=Value(0.0),
            output_field=FloatField(),
        )
        score = score + rank
    return matches.annotate(score=score, fuzzy=Value(False)).order_by(F("score").desc(), *freshest)


def _similar_spellings(queryset, folded: str, freshest: list):
    """PostgreSQL only, when nothing contains the words: entries with a word spelled
    similarly (pg_trgm word similarity, answered by the same trigram index), closest first;
    in the full text of entries whose details the viewer sees, else in the institution's name."""
    similar = Q(details_visible=True, search_text__trigram_word_similar=folded) | Q(
        details_visible=False, authority_text__trigram_word_similar=folded
    )
    similarity = Case(
        When(details_visible=True, then=TrigramWordSimilarity(Value(folded), "search_text")),
        default=TrigramWordSimilarity(Value(folded), "authority_text"),
        output_field=FloatField(),
    )
    return (
        queryset.filter(similar)
        .annotate(score=similarity, fuzzy=Value(True))
        .order_by(F("score").desc(), *freshest)
    )


@dataclass
class Alternative:
    competence: str
    contact_points: list[ContactPoint]

    @property
    def label(self) -> str:
        return Competence(self.competence).label


@dataclass
class DirectAnswer:
    """The answer to "who holds competence C in state S?"."""

    competence: str
    state: str
    verified: list[ContactPoint] = field(default_factory=list)
    stale: list[ContactPoint] = field(default_factory=list)
    alternatives: list[Alternative] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return bool(self.verified)

    @property
    def competence_label(self) -> str:
        return Competence(self.competence).label

    @property
    def state_name(self) -> str:
        return state_name(self.state)

    @property
    def summary(self) -> str:
        names = {"state": self.state_name, "competence": self.competence_label}
        if self.verified:
            return ngettext(
                "%(count)d verified contact point in %(state)s for “%(competence)s”.",
                "%(count)d verified contact points in %(state)s for “%(competence)s”.",
                len(self.verified),
            ) % {"count": len(self.verified), **names}
        if self.stale:
            return ngettext(
                "No verified contact point in %(state)s for “%(competence)s”: %(count)d entry "
                "was not re-confirmed in time; check with it or with the alternatives below.",
                "No verified contact point in %(state)s for “%(competence)s”: %(count)d entries "
                "were not re-confirmed in time; check with them or with the alternatives below.",
                len(self.stale),
            ) % {"count": len(self.stale), **names}
        return (
            _(
                "No contact point in %(state)s for “%(competence)s”; the nearest alternatives "
                "are below."
            )
            % names
        )


def direct_answer(*, competence: str, state: str) -> DirectAnswer:
    """Verified holders of the competence in the state; when there are none, the stale
    holders, then the state's contact points with related competences (the central
    authority for MLA first), fresh before stale."""
    answer = DirectAnswer(competence=competence, state=state)
    holders = (
        _base_queryset()
        .filter(state=state)
        .filter(_has_competence(competence, state))
        .order_by(F("verified_at").desc(nulls_last=True), "pk")
    )
    for contact_point in holders:
        (answer.stale if contact_point.is_stale else answer.verified).append(contact_point)
    if answer.verified:
        return answer
    shown = {cp.pk for cp in answer.stale}
    for code in related_competences(competence):
        nearest = (
            _base_queryset()
            .filter(state=state)
            .filter(_has_competence(code, state))
            .exclude(pk__in=shown)
            .order_by(F("is_stale").asc(), F("verified_at").desc(nulls_last=True), "pk")
        )
        candidates = list(nearest[:ALTERNATIVES_PER_COMPETENCE])
        if candidates:
            shown.update(cp.pk for cp in candidates)
            answer.alternatives.append(Alternative(code, candidates))
    return answer
