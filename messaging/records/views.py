"""The public verifier keys of case records: every key a checkpoint may be signed with."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from messaging.records.bundle import keys_document


@require_GET
def verifier_keys(request):
    """/.well-known/counterpart-keys.json: public, cacheable; a court expert compares the key
    of a bundle with this one (`python -m messaging.verify BUNDLE --key FILE`)."""
    response = JsonResponse(keys_document())
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response
