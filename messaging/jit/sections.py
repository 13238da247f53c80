"""The sections of a JIT proposal: the model agreement for setting up a joint investigation
team (EU Council resolution 2017/C 18/01), extended for parties outside the EU. The titles
are fixed texts, rendered in each party's language; what parties write in them is theirs."""

from django.utils.translation import gettext_lazy as _

SECTIONS: tuple[tuple[str, object], ...] = (
    ("parties", _("Parties and their competent authorities")),
    ("legal_basis", _("Legal basis")),
    ("team_type", _("Type of team")),
    ("investigation_stage", _("Stage of each party's investigation")),
    ("prosecution_strategy", _("Prosecution strategy agreed in advance")),
    ("purpose", _("Purpose of the team and offences investigated")),
    ("period", _("Period of operation and terms of extension")),
    ("places", _("Place or places of operation")),
    ("members", _("Team leaders, members, seconded members and participating organisations")),
    ("information", _("Information and evidence: exchange, use in other proceedings")),
    ("confidentiality", _("Confidentiality and handling codes")),
    ("victims", _("Victims: identification, protection, assistance and non-punishment")),
    ("measures", _("Investigative measures envisaged")),
    ("financial", _("Parallel financial investigation: tracing, freezing, confiscation")),
    ("languages", _("Languages, interpretation and translation")),
    ("costs", _("Costs and equipment")),
    ("media", _("Media")),
    ("evaluation", _("Evaluation")),
)
SECTION_KEYS = tuple(key for key, _title in SECTIONS)
SECTION_MAX = 8000


def section_title(key: str) -> str:
    return str(dict(SECTIONS)[key])


TEAM_TYPES: tuple[tuple[str, object], ...] = (
    ("integrated_active", _("integrated team, members active in each other's state")),
    ("integrated_passive", _("integrated team, members present without operational powers")),
    ("parallel_active", _("parallel investigations, coordinated, with joint operations")),
    ("parallel_passive", _("parallel investigations, coordinated, exchanging results only")),
    ("standing_body", _("standing bilateral body")),
)
LEGAL_BASES: tuple[tuple[str, object], ...] = (
    ("untoc_19", _("UN Convention against Transnational Organized Crime, article 19")),
    ("uncac_49", _("UN Convention against Corruption, article 49")),
    ("eu_framework", _("EU Council Framework Decision 2002/465/JHA")),
    ("eu_convention", _("EU Convention on Mutual Assistance 2000, article 13")),
    ("regional", _("a regional instrument")),
    ("bilateral", _("a bilateral treaty")),
)
TEAM_TYPE_CODES = tuple(code for code, _title in TEAM_TYPES)
LEGAL_BASIS_CODES = tuple(code for code, _title in LEGAL_BASES)
RENDER_LANGUAGES = ("en", "es", "fr", "pt")


# The language a party's fixed texts default to, by state; English elsewhere.
STATE_LANGUAGES = {
    **dict.fromkeys(
        (
            "ES",
            "AR",
            "BO",
            "CL",
            "CO",
            "CR",
            "CU",
            "DO",
            "EC",
            "GT",
            "HN",
            "MX",
            "NI",
            "PA",
            "PE",
            "PY",
            "SV",
            "UY",
            "VE",
            "GQ",
        ),
        "es",
    ),
    **dict.fromkeys(("BR", "PT", "AO", "MZ", "CV", "GW", "ST"), "pt"),
    **dict.fromkeys(("FR", "BE", "SN", "CI", "BF", "ML", "NE", "TG", "BJ", "GN", "CM"), "fr"),
}


def default_language(state: str) -> str:
    return STATE_LANGUAGES.get(state, "en")
