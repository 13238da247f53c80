"""Password-reset pages, open to anonymous visitors: asking for a link (the same answer
whatever the address) and choosing a new password through it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from network.accounts import password_reset, session_index
from network.accounts.forms import PasswordResetForm, PasswordResetRequestForm


@require_http_methods(["GET", "POST"])
def request_link(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "GET":
        return render(request, "accounts/password_reset_request.html", {"form": form})
    if not form.is_valid():
        return render(request, "accounts/password_reset_request.html", {"form": form}, status=400)
    password_reset.request_reset(
        email=form.cleaned_data["email"], ip_address=session_index.client_ip(request)
    )
    return render(request, "accounts/password_reset_sent.html")


@require_http_methods(["GET", "POST"])
def confirm(request, uidb64: str, token: str):
    try:
        password_reset.user_for_link(uidb64, token)
    except password_reset.ResetLinkError as error:
        return _invalid_link(request, error)
    form = PasswordResetForm(request.POST or None)
    if request.method == "GET":
        return render(request, "accounts/password_reset_confirm.html", {"form": form})
    if form.is_valid():
        try:
            password_reset.reset_password(
                uidb64=uidb64,
                token=token,
                new=form.cleaned_data["new_password1"],
                confirm=form.cleaned_data["new_password2"],
                ip_address=session_index.client_ip(request),
            )
        except password_reset.ResetLinkError as error:
            return _invalid_link(request, error)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field, errors)
        else:
            messages.success(
                request,
                _(
                    "Your password was changed and every session of your account ended. Sign "
                    "in with the new password and your second factor."
                ),
            )
            return redirect("accounts:sign_in")
    return render(request, "accounts/password_reset_confirm.html", {"form": form}, status=400)


def _invalid_link(request, error: password_reset.ResetLinkError):
    return render(
        request,
        "accounts/password_reset_invalid.html",
        {"message": str(error)},
        status=error.http_status,
    )
