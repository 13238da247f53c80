from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from directory.competences import Competence
from directory.csv_format import parse_languages
from directory.models import ContactPoint
from network.accounts.forms import TimeZoneField, offer_own_time_zone
from network.iso import language_names


class CorrectionForm(forms.Form):
    """Confirm-or-correct: the editable fields of an entry; used by the page and the API."""

    name = forms.CharField(label=_("Name"), max_length=200)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=16,
        required=False,
        help_text=_("International format, e.g. <code>+573001234567</code>"),
    )
    email = forms.EmailField(label=_("Email"), required=False)
    availability = forms.ChoiceField(
        label=_("Availability"), choices=ContactPoint.Availability.choices
    )
    office_hours = forms.CharField(label=_("Office hours"), max_length=120, required=False)
    time_zone = TimeZoneField(label=_("Time zone"))
    how_to_reach = forms.CharField(
        label=_("How to reach"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    request_languages = forms.CharField(
        label=_("Request languages"),
        required=False,
        help_text=_("ISO 639-1 codes separated by “;”, e.g. <code>es;en</code>"),
    )
    formal_requirements = forms.CharField(
        label=_("Formal requirements"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    required_channel = forms.CharField(label=_("Required channel"), max_length=200, required=False)
    competences = forms.MultipleChoiceField(
        label=_("Competences"), choices=Competence.choices, widget=forms.CheckboxSelectMultiple
    )
    languages = forms.CharField(
        label=_("Languages"),
        required=False,
        help_text=_(
            "code:level separated by “;”, e.g. <code>es:native;en:working</code> (levels: "
            "<code>native</code>, <code>fluent</code>, <code>working</code>, <code>basic</code>)"
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_own_time_zone(self)

    @classmethod
    def initial_for(cls, contact_point: ContactPoint) -> dict:
        initial = {name: getattr(contact_point, name) for name in cls.base_fields}
        initial["request_languages"] = ";".join(contact_point.request_languages)
        initial["competences"] = contact_point.competence_codes
        initial["languages"] = ";".join(
            f"{lang.language}:{lang.level}" for lang in contact_point.languages.all()
        )
        return initial

    def clean_request_languages(self) -> list[str]:
        codes = [c.strip().lower() for c in self.cleaned_data["request_languages"].split(";")]
        codes = [c for c in codes if c]
        unknown = [c for c in codes if c not in language_names()]
        if unknown:
            raise ValidationError(
                ngettext(
                    "Unknown language code: %(codes)s.",
                    "Unknown language codes: %(codes)s.",
                    len(unknown),
                ),
                params={"codes": ", ".join(unknown)},
            )
        return codes

    def clean_languages(self) -> list[tuple[str, str]]:
        try:
            return parse_languages(self.cleaned_data["languages"])
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc

    def correction(self) -> tuple[dict, list[str], list[tuple[str, str]]]:
        data = dict(self.cleaned_data)
        return data, data.pop("competences"), data.pop("languages")


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File"))
    only_valid = forms.BooleanField(
        required=False, label=_("Import the good rows even if some rows are bad")
    )
