"""The competence taxonomy: what a contact point may do. A fixed, documented set
(docs/directory.md describes each); add a code here, in `RELATED` and in the docs together.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Competence(models.TextChoices):
    JIT_AUTHORIZE = "jit.authorize", _("Can authorize setting up a joint investigation team")
    JIT_NATIONAL_EXPERT = "jit.national_expert", _("National expert on joint investigation teams")
    MLA_CENTRAL_AUTHORITY = (
        "mla.central_authority",
        _("Central authority for mutual legal assistance"),
    )
    MLA_EXECUTING = "mla.executing", _("Executes incoming mutual legal assistance requests")
    EXTRADITION = "extradition", _("Extradition and surrender")
    TIP_SPECIALIZED_PROSECUTION = (
        "tip.specialized_prosecution",
        _("Specialised prosecution of trafficking in persons"),
    )
    TIP_INVESTIGATION = "tip.investigation", _("Investigation of trafficking in persons")
    ASSET_RECOVERY = "asset_recovery", _("Tracing, freezing and confiscation of assets")
    FINANCIAL_INTELLIGENCE = "financial_intelligence", _("Financial intelligence")
    VICTIM_REFERRAL = "victim_referral", _("Referral of victims to assistance")
    VICTIM_PROTECTION = "victim_protection", _("Protection of victims")
    LABOUR_INSPECTION = "labour_inspection", _("Labour inspection (forced labour)")
    POLICE_24_7 = "police.24_7", _("Police contact point available 24/7")
    CYBERCRIME_24_7 = "cybercrime.24_7", _("Cybercrime 24/7 network (data preservation)")
    WITNESS_PROTECTION = "witness_protection", _("Witness protection")


# Where no verified contact point holds a competence, the direct answer offers the state's
# contact points with these competences instead, nearest first.
RELATED: dict[str, tuple[str, ...]] = {
    Competence.JIT_AUTHORIZE: (
        Competence.MLA_CENTRAL_AUTHORITY,
        Competence.JIT_NATIONAL_EXPERT,
        Competence.TIP_SPECIALIZED_PROSECUTION,
    ),
    Competence.JIT_NATIONAL_EXPERT: (Competence.JIT_AUTHORIZE, Competence.MLA_CENTRAL_AUTHORITY),
    Competence.MLA_CENTRAL_AUTHORITY: (Competence.MLA_EXECUTING, Competence.EXTRADITION),
    Competence.MLA_EXECUTING: (Competence.MLA_CENTRAL_AUTHORITY,),
    Competence.EXTRADITION: (Competence.MLA_CENTRAL_AUTHORITY,),
    Competence.TIP_SPECIALIZED_PROSECUTION: (
        Competence.TIP_INVESTIGATION,
        Competence.MLA_CENTRAL_AUTHORITY,
    ),
    Competence.TIP_INVESTIGATION: (
        Competence.TIP_SPECIALIZED_PROSECUTION,
        Competence.POLICE_24_7,
    ),
    Competence.ASSET_RECOVERY: (
        Competence.FINANCIAL_INTELLIGENCE,
        Competence.MLA_CENTRAL_AUTHORITY,
    ),
    Competence.FINANCIAL_INTELLIGENCE: (Competence.ASSET_RECOVERY,),
    Competence.VICTIM_REFERRAL: (Competence.VICTIM_PROTECTION, Competence.LABOUR_INSPECTION),
    Competence.VICTIM_PROTECTION: (Competence.VICTIM_REFERRAL, Competence.WITNESS_PROTECTION),
    Competence.LABOUR_INSPECTION: (Competence.VICTIM_REFERRAL, Competence.TIP_INVESTIGATION),
    Competence.POLICE_24_7: (Competence.CYBERCRIME_24_7, Competence.TIP_INVESTIGATION),
    Competence.CYBERCRIME_24_7: (Competence.POLICE_24_7,),
    Competence.WITNESS_PROTECTION: (Competence.VICTIM_PROTECTION,),
}


def related_competences(code: str) -> tuple[str, ...]:
    """The fallbacks for `code`; the state's central authority for MLA always comes first."""
    related = [c for c in RELATED.get(code, ()) if c != Competence.MLA_CENTRAL_AUTHORITY]
    if code != Competence.MLA_CENTRAL_AUTHORITY:
        related.insert(0, Competence.MLA_CENTRAL_AUTHORITY)
    return tuple(str(c) for c in related)
