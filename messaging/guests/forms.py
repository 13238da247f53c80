from django import forms
from django.utils.translation import gettext_lazy as _

from messaging import access as room_access
from messaging.guests.models import NAME_MAX, ORGANISATION_MAX, PURPOSE_MAX
from messaging.models import Thread


class ProposeGuestForm(forms.Form):
    """What an owner gives to propose a guest; the rules are the action's (actions.propose)."""

    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    email = forms.EmailField(label=_("Email address"))
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=ORGANISATION_MAX,
        help_text=_("An NGO, a social or health service, a labour inspectorate…"),
    )
    purpose = forms.CharField(
        label=_("Why they should take part"),
        max_length=PURPOSE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For the coordinator who decides. No names of victims or suspects, no case details."
        ),
    )
    ends_on = forms.DateField(
        label=_("Last day of the stay"), widget=forms.DateInput(attrs={"type": "date"})
    )
    threads = forms.ModelMultipleChoiceField(
        label=_("Threads they will read"),
        queryset=Thread.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, room, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["threads"].queryset = room_access.visible_threads(
            user, Thread.objects.filter(room=room)
        ).order_by("created_at", "pk")
