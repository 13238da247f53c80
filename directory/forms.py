from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from directory.competences import Competence
from directory.csv_format import parse_languages
from directory.models import ContactPoint
from network.iso import language_names


class CorrectionForm(forms.Form):
    """Confirm-or-correct: the editable fields of an entry; used by the page and the API."""

    name = forms.CharField(max_length=200)
    position = forms.CharField(max_length=200, required=False)
    phone = forms.CharField(max_length=16, required=False, help_text=_("E.164, e.g. +573001234567"))
    email = forms.EmailField(required=False)
    availability = forms.ChoiceField(choices=ContactPoint.Availability.choices)
    office_hours = forms.CharField(max_length=120, required=False)
    time_zone = forms.CharField(max_length=64, help_text=_("IANA name, e.g. America/Bogota"))
    how_to_reach = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    request_languages = forms.CharField(
        required=False, help_text=_("ISO 639-1 codes separated by ';', e.g. es;en")
    )
    formal_requirements = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    required_channel = forms.CharField(max_length=200, required=False)
    competences = forms.MultipleChoiceField(
        choices=Competence.choices, widget=forms.CheckboxSelectMultiple
    )
    languages = forms.CharField(
        required=False, help_text=_("code:level separated by ';', e.g. es:native;en:working")
    )

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
            raise ValidationError(f"Unknown language code(s): {', '.join(unknown)}.")
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
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)


class ImportForm(forms.Form):
    file = forms.FileField()
    only_valid = forms.BooleanField(
        required=False, label=_("Import the good rows even if some rows are bad")
    )
