from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from network.accounts.models import known_time_zones
from network.accounts.tokens import DEFAULT_LIFETIME_DAYS, MAX_LIFETIME_DAYS, MAX_NAME_LENGTH
from network.iso import language_choices, state_choices, time_zone_choices, time_zone_name


class SignInForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=4096)


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(label=_("Recovery code"), max_length=40)


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), widget=forms.PasswordInput, max_length=4096
    )


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        label=_("Current password"), widget=forms.PasswordInput, max_length=4096
    )
    new_password1 = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput, max_length=4096, strip=False
    )
    new_password2 = forms.CharField(
        label=_("New password again"), widget=forms.PasswordInput, max_length=4096, strip=False
    )


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=MAX_NAME_LENGTH)
    lifetime_days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=MAX_LIFETIME_DAYS,
        initial=DEFAULT_LIFETIME_DAYS,
    )


def _state_choices():
    return [("", "—"), *state_choices()]


class TimeZoneField(forms.ChoiceField):
    """A zone by the name of its state and city; a zone stored before under another name of
    the database ("America/Buenos_Aires") is still accepted, and offered when it is the
    member's own (see ProfileForm)."""

    def __init__(self, **kwargs):
        super().__init__(choices=time_zone_choices, **kwargs)

    def valid_value(self, value) -> bool:
        return value in known_time_zones()


def offer_own_time_zone(form: forms.Form, name: str = "time_zone") -> None:
    """Keep a zone stored under an older name of the tz database selected (and offered)."""
    field = form.fields[name]
    zone = form.initial.get(name)
    if zone in known_time_zones() and zone not in dict(field.choices):
        field.choices = [(zone, time_zone_name(zone)), *field.choices]


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=120)
    institution = forms.CharField(label=_("Institution"), max_length=200, required=False)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)
    state = forms.ChoiceField(label=_("State"), choices=_state_choices, required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        required=False,
        choices=language_choices,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Every language you work in: hold Ctrl (⌘ on a Mac) to choose several."),
    )
    preferred_language = forms.ChoiceField(
        label=_("Interface language"), choices=lambda: settings.LANGUAGES
    )
    time_zone = TimeZoneField(label=_("Time zone"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_own_time_zone(self)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Your colleague's email address"), max_length=254)
    note = forms.CharField(
        label=_("A personal note (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Sent by ordinary email: write nothing confidential."),
    )


class InvitedAccountForm(ProfileForm):
    """The account an invitee creates: the profile without the interface language, and a
    password (Django's validators run in the action, with the account as context)."""

    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        max_length=4096,
        strip=False,
    )
    password2 = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        max_length=4096,
        strip=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["preferred_language"]
        self.fields["institution"].required = True
        self.fields["position"].required = True
        self.fields["state"].required = True
        if not self.is_bound:
            # The browser's zone is proposed in place of the embedded default (accounts/
            # browser_zone.js); a profile is then always in the member's own zone.
            default = self.initial.get("time_zone", "UTC")
            self.fields["time_zone"].widget.attrs["data-browser-zone"] = default

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)


class PasswordResetForm(forms.Form):
    new_password1 = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        max_length=4096,
        strip=False,
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        max_length=4096,
        strip=False,
    )
