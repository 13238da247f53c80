"""`{% find_counterpart %}`: the home page's "Find a counterpart" form, drawn by the directory
(the home page belongs to network/, which does not import the directory)."""

from django import template

from directory.competences import Competence
from network.iso import state_choices

register = template.Library()


@register.inclusion_tag("directory/_find_counterpart.html")
def find_counterpart() -> dict:
    """A state, and a need that starts at the authority that can set up a joint
    investigation team: choose the state, "Find", then "Message" on the answer."""
    return {
        "find": {
            "states": state_choices(),
            "needs": Competence.choices,
            "default_need": Competence.JIT_AUTHORIZE,
        }
    }
