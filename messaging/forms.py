"""Forms of the room pages. They check shape; the actions check the rules and have the last
word (their MessagingError is put back on the form with `add_action_error`)."""

import re
import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from messaging import actions, pages
from messaging.actions import TITLE_MAX
from messaging.errors import MessagingError
from messaging.files import detect_content_type
from messaging.labels import CONFIRMED_HANDLING
from messaging.models import EVALUATION_CODES, Message, Room, RoomParticipant
from messaging.posting import HANDLING_NOTE_MAX
from network.accounts.models import User
from network.iso import state_name, validate_state
from network.membership import active_network_ids
from network.models import Membership, Network

_CASE_NUMBER_LINE = re.compile(r"^([A-Za-z]{2})\s*:\s*(.+)$")
MAX_TAGS = 20

# Fields named by actions' errors, and the form field that shows them.
_ACTION_FIELDS = {
    "tags.value": "tags",
    "tags.state": "tags",
    "tags.kind": "tags",
    "file": "attachment",
    "filename": "attachment",
}


def add_action_error(form: forms.Form, error: MessagingError) -> None:
    """Show an action's refusal on the field it names, or on the whole form."""
    field = _ACTION_FIELDS.get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, error.message)


class UserChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} ({state_name(obj.state)})" if obj.state else obj.display_name


class SingleUserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} ({state_name(obj.state)})" if obj.state else obj.display_name


class NewRoomForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(Room.Kind.CASE, _("Case room")), (Room.Kind.DIRECT, _("Direct conversation"))],
        initial=Room.Kind.CASE,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        required=False,
        help_text=_("Required for a case room. Do not put names of victims in a title."),
    )
    network = forms.ModelChoiceField(
        label=_("Network"),
        queryset=Network.objects.none(),
        required=False,
        empty_label=_("— any of my networks —"),
        help_text=_("A room tied to a network is readable only by its active members."),
    )
    participants = UserChoiceField(
        label=_("Invite"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Active members of the networks you belong to."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["network"].queryset = Network.objects.filter(
            pk__in=active_network_ids(user)
        ).order_by("name")
        self.fields["participants"].queryset = pages.invitable_members(user)
        if Membership.objects.active().filter(user=user, role=Membership.Role.COORDINATOR).exists():
            self.fields["kind"].choices = [
                *self.fields["kind"].choices,
                (Room.Kind.NETWORK, _("Network channel (every active member; coordinators)")),
            ]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == Room.Kind.CASE and not cleaned.get("title", "").strip():
            self.add_error("title", _("A case room needs a title."))
        if kind == Room.Kind.DIRECT and not cleaned.get("participants"):
            self.add_error("participants", _("Choose at least one member to talk to."))
        if kind == Room.Kind.NETWORK and not cleaned.get("network"):
            self.add_error("network", _("A network channel belongs to one network."))
        return cleaned


def parse_tag_lines(text: str) -> list[dict]:
    """One tag a line: `ES: DP 123/2025` is a case number of Spain; any other line is an
    operation name."""
    tags = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        match = _CASE_NUMBER_LINE.match(line)
        if match:
            state = match.group(1).upper()
            try:
                validate_state(state)
            except forms.ValidationError as exc:
                raise forms.ValidationError(
                    _("%(state)s is not an ISO 3166-1 state code (line “%(line)s”)."),
                    params={"state": state, "line": line},
                ) from exc
            tags.append({"kind": "case_number", "state": state, "value": match.group(2)})
        else:
            tags.append({"kind": "operation", "value": line})
    if len(tags) > MAX_TAGS:
        raise forms.ValidationError(
            _("A thread carries at most %(n)d tags."), params={"n": MAX_TAGS}
        )
    return tags


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Thread title"), max_length=TITLE_MAX)
    tags = forms.CharField(
        label=_("Case tags"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "One a line. A national case number with its state: “ES: DP 123/2025”. "
            "Anything else is an operation name: “Lantern”."
        ),
    )

    restricted = forms.BooleanField(label=_("Restricted to named readers"), required=False)
    victim_sensitive = forms.BooleanField(
        label=_("Victim-sensitive"),
        required=False,
        help_text=_("Restricted to named readers, and messages start as H2."),
    )
    readers = forms.TypedMultipleChoiceField(
        label=_("Readers"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Who else reads a restricted thread; you read it too."),
    )

    def __init__(self, *args, room: Room | None = None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        others = (
            [p for p in pages.current_participants(room) if user is None or p.user_id != user.pk]
            if room is not None and room.has_participants
            else []
        )
        self.fields["readers"].choices = [(p.user_id, p.user.display_name) for p in others]
        if not others:
            for name in ("restricted", "victim_sensitive", "readers"):
                del self.fields[name]

    def clean_tags(self):
        return parse_tag_lines(self.cleaned_data["tags"])


class MessageForm(forms.Form):
    thread = forms.UUIDField(widget=forms.HiddenInput)
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 3}),
        strip=False,
    )
    handling = forms.ChoiceField(
        label=_("Handling code"),
        choices=Message.Handling.choices,
        initial=Message.Handling.H0,
    )
    handling_note = forms.CharField(
        label=_("H3 restriction"),
        max_length=HANDLING_NOTE_MAX,
        required=False,
        help_text=_("Required with H3: the restriction, in your words."),
    )
    evaluation = forms.ChoiceField(
        label=_("Evaluation"),
        choices=[("", _("— none —")), *[(code, code) for code in EVALUATION_CODES]],
        required=False,
        help_text=_("Source A, B, C or X; information 1–4 (e.g. B2)."),
    )
    reply_to = forms.IntegerField(label=_("In reply to #"), required=False, min_value=1)
    attachment = forms.FileField(label=_("Attachment"), required=False)
    confirm_handling = forms.BooleanField(
        label=_("I choose this handling code for this message."),
        required=False,
    )

    def __init__(self, *args, room: Room | None = None, thread=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_id", uuid.uuid4())
            # Every new composer starts from the room's default: nothing carries over; in
            # a victim-sensitive thread, from H2 at least.
            handling = room.default_handling if room else Message.Handling.H0
            if thread is not None and thread.victim_sensitive:
                handling = max(handling, Message.Handling.H2)
            self.initial["handling"] = handling
        self.fields["body"].widget.attrs["maxlength"] = settings.COUNTERPART_MESSAGE_MAX_CHARS

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError(_("Write a message."))
        limit = settings.COUNTERPART_MESSAGE_MAX_CHARS
        if len(body) > limit:
            raise forms.ValidationError(
                _("The message is over %(limit)d characters."), params={"limit": limit}
            )
        return body

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload is None:
            return None
        limit = settings.COUNTERPART_ATTACHMENT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is over the limit of %(limit)d bytes."), params={"limit": limit}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        head = upload.read()
        upload.seek(0)
        if detect_content_type(head) is None:
            raise forms.ValidationError(
                _("This type of file is not accepted (PDF, images, office documents, text).")
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("handling") == Message.Handling.H3
            and not cleaned.get("handling_note", "").strip()
        ):
            self.add_error("handling_note", _("H3 needs the restriction stated."))
        if cleaned.get("handling") in CONFIRMED_HANDLING and not cleaned.get("confirm_handling"):
            self.add_error(
                "confirm_handling",
                _("Confirm %(code)s for this message, or choose another handling code.")
                % {"code": cleaned["handling"]},
            )
        return cleaned


class RoomSettingsForm(forms.Form):
    default_handling = forms.ChoiceField(
        label=_("Default handling code"),
        choices=Message.Handling.choices,
        help_text=_("What the composer starts with, and returns to after every message."),
    )


class EditForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}))

    def clean_body(self):
        body = self.cleaned_data["body"]
        limit = settings.COUNTERPART_MESSAGE_MAX_CHARS
        if len(body) > limit:
            raise forms.ValidationError(
                _("The message is over %(limit)d characters."), params={"limit": limit}
            )
        return body


class InviteForm(forms.Form):
    user = SingleUserChoiceField(label=_("Invite a member"), queryset=User.objects.none())
    capacity = forms.ChoiceField(
        label=_("Capacity"),
        choices=RoomParticipant.Capacity.choices,
        initial=RoomParticipant.Capacity.OFFICIAL,
        required=False,
        help_text=_("Support and observer participants read only the threads they are named to."),
    )

    def __init__(self, *args, room, owner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = pages.invitable_to_room(room, owner)
        # The capacities this network's room policy allows.
        allowed = actions.allowed_capacities(room)
        self.fields["capacity"].choices = [
            (value, label) for value, label in RoomParticipant.Capacity.choices if value in allowed
        ]


class RemoveForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class TagSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Case tag"),
        max_length=pages.TAG_QUERY_MAX,
        error_messages={"required": _("Enter a case number or an operation name.")},
    )

    def clean_q(self):
        try:
            return pages.parse_tag_query(self.cleaned_data["q"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
