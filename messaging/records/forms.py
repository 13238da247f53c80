"""Forms of the case-record pages. They check shape; messaging/records/workflow.py and
closure.py check the rules and have the last word (their RecordError is put back on the form
with `add_error`). Times are entered in the member's time zone."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from messaging.records.closure import RETENTION_MAX_DAYS
from messaging.records.selection import ROOM, TAG, THREAD
from messaging.times import reader_zone


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self):
        super().__init__(format="%Y-%m-%dT%H:%M")


def _local_field(label):
    return forms.DateTimeField(label=label, required=False, widget=LocalDateTimeInput())


class ZonedForm(forms.Form):
    """A form whose date and time fields are read in `user`'s time zone."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def full_clean(self):
        with timezone.override(reader_zone(self.user)):
            super().full_clean()


class ExportForm(ZonedForm):
    scope = forms.ChoiceField(
        label=_("What to export"),
        choices=[
            (ROOM, _("The whole case room")),
            (THREAD, _("One thread")),
            (TAG, _("Every thread with a case tag")),
        ],
        initial=ROOM,
        widget=forms.RadioSelect,
    )
    thread = forms.ChoiceField(label=_("Thread"), required=False)
    tag = forms.CharField(label=_("Case tag"), required=False, max_length=120)
    since = _local_field(_("From (optional)"))
    until = _local_field(_("Until (optional)"))
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        max_length=500,
        help_text=_("The order, request or provision under which the record is handed over."),
    )
    case_reference = forms.CharField(label=_("Case reference"), required=False, max_length=200)

    def __init__(self, *args, room, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["thread"].choices = [("", "—")] + [
            (str(thread.pk), thread.title) for thread in room.threads.all()
        ]

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        if scope == THREAD and not data.get("thread"):
            self.add_error("thread", _("Choose the thread."))
        if scope == TAG and not (data.get("tag") or "").strip():
            self.add_error("tag", _("Give the case tag."))
        return data

    def selection(self) -> dict:
        data = self.cleaned_data
        return {
            "thread": data["thread"] if data["scope"] == THREAD else None,
            "tag": data["tag"].strip() if data["scope"] == TAG else None,
            "since": data.get("since"),
            "until": data.get("until"),
        }


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=500)
    confirm = forms.BooleanField(
        label=_("I understand: the room becomes read-only for everyone, for good."),
        error_messages={"required": _("Confirm that the case is to be closed.")},
    )


class HoldForm(ZonedForm):
    reason = forms.CharField(label=_("Reason for the hold"), max_length=500)
    ends_at = _local_field(_("Ends (optional)"))


class RetentionForm(forms.Form):
    closed_room_days = forms.IntegerField(
        label=_("Days a closed case room is kept"), min_value=1, max_value=RETENTION_MAX_DAYS
    )
