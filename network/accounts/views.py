"""Sign-in, second factor, enrolment, sessions, password, profile and token pages.

Views under /accounts/sign-in/ and /accounts/sign-out/ are reachable by a half-authenticated
session (see middleware.OPEN_PREFIXES); each of them checks what it needs itself.
"""

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from network.accounts import actions, interface_language, session_index, signin, tokens, twofactor
from network.accounts import webauthn_ceremonies as ceremonies
from network.accounts.factors import (
    complete_second_factor,
    has_second_factor,
    has_totp,
    has_webauthn,
)
from network.accounts.forms import (
    PasswordChangeForm,
    PasswordConfirmForm,
    ProfileForm,
    RecoveryCodeForm,
    SignInForm,
    TokenForm,
    TotpCodeForm,
)
from network.accounts.models import TotpDevice, WebAuthnCredential
from network.accounts.sessions import is_two_factor_verified

NEXT_KEY = "cp_next"
MAX_JSON_BODY = 64 * 1024


def _next_url(request) -> str:
    target = request.session.pop(NEXT_KEY, "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _json_body(request) -> dict | None:
    if len(request.body) > MAX_JSON_BODY:
        return None
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _json_error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


def json_login_required(view):
    """login_required for JSON endpoints: 401 with a message instead of a redirect."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _json_error(_("Sign in with your password first."), 401)
        return view(request, *args, **kwargs)

    return wrapped


def _may_enrol(request) -> bool:
    """Enrol a factor: a verified session, or a password-only one of an account with none."""
    return is_two_factor_verified(request.session) or not has_second_factor(request.user)


# --- Password step ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sign_in(request):
    if request.user.is_authenticated and is_two_factor_verified(request.session):
        return redirect("home")
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = signin.sign_in_with_password(
            request, email=form.cleaned_data["email"], password=form.cleaned_data["password"]
        )
        if user is not None:
            if next_url := request.GET.get("next", ""):
                request.session[NEXT_KEY] = next_url
            response = redirect("accounts:second_factor")
            return interface_language.remember(response, user.preferred_language)
        if getattr(request, "axes_locked_out", False):
            return signin.lockout_response(request)
        form.add_error(None, signin.SIGN_IN_FAILED)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/sign_in.html", {"form": form}, status=status)


# --- Second-factor step -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def second_factor(request):
    if is_two_factor_verified(request.session):
        return redirect(_next_url(request))
    user = request.user
    if not has_second_factor(user):
        return redirect("accounts:enrol")
    form = TotpCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not has_totp(user):
            form.add_error(None, _("This account has no authenticator app; use a security key."))
        elif form.is_valid():
            check = twofactor.verify_totp(
                user=user,
                code=form.cleaned_data["code"],
                ip_address=session_index.client_ip(request),
            )
            if check.accepted:
                complete_second_factor(request, method="totp")
                return redirect(_next_url(request))
            form.add_error("code", check.message)
        status = 400
    context = {"form": form, "has_totp": has_totp(user), "has_webauthn": has_webauthn(user)}
    return render(request, "accounts/second_factor.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def recovery(request):
    if is_two_factor_verified(request.session):
        return redirect(_next_url(request))
    form = RecoveryCodeForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            check = twofactor.use_recovery_code(
                user=request.user,
                code=form.cleaned_data["code"],
                ip_address=session_index.client_ip(request),
            )
            if check.accepted:
                complete_second_factor(request, method="recovery")
                left = twofactor.unused_recovery_code_count(request.user)
                messages.warning(
                    request,
                    ngettext(
                        "You signed in with a recovery code; %(left)d code remains.",
                        "You signed in with a recovery code; %(left)d codes remain.",
                        left,
                    )
                    % {"left": left},
                )
                return redirect(_next_url(request))
            form.add_error("code", check.message)
        return render(request, "accounts/recovery.html", {"form": form}, status=400)
    return render(request, "accounts/recovery.html", {"form": form})


@json_login_required
@require_POST
def webauthn_sign_in_options(request):
    if is_two_factor_verified(request.session):
        return _json_error(_("This session has already passed its second factor."), 409)
    try:
        return JsonResponse(ceremonies.authentication_options(request.session, request.user))
    except ceremonies.CeremonyError as exc:
        return _json_error(str(exc))


@json_login_required
@require_POST
def webauthn_sign_in_verify(request):
    if is_two_factor_verified(request.session):
        return _json_error(_("This session has already passed its second factor."), 409)
    body = _json_body(request)
    if body is None or "credential" not in body:
        return _json_error(_("Send a JSON object with the credential."))
    try:
        ceremonies.authenticate(request.session, user=request.user, credential=body["credential"])
    except ceremonies.CeremonyError as exc:
        request.session.save()  # the challenge is spent even when the answer is wrong
        return _json_error(str(exc))
    complete_second_factor(request, method="webauthn")
    return JsonResponse({"redirect": _next_url(request)})


# --- Enrolment ----------------------------------------------------------------------------


@login_required
def enrol(request):
    if not _may_enrol(request):
        return redirect("accounts:second_factor")
    return render(
        request,
        "accounts/enrol.html",
        {"has_totp": has_totp(request.user), "verified": is_two_factor_verified(request.session)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def enrol_totp(request):
    if not _may_enrol(request):
        return redirect("accounts:second_factor")
    if has_totp(request.user):
        messages.info(request, _("An authenticator app is already set up for this account."))
        verified = is_two_factor_verified(request.session)
        return redirect("accounts:security" if verified else "accounts:second_factor")
    device = twofactor.start_enrolment(request.user)
    form = TotpCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                codes = twofactor.confirm_enrolment(
                    user=request.user,
                    code=form.cleaned_data["code"],
                    ip_address=session_index.client_ip(request),
                )
            except twofactor.SecondFactorError as exc:
                form.add_error("code", str(exc))
            else:
                if not is_two_factor_verified(request.session):
                    complete_second_factor(request, method="totp")
                return render(
                    request,
                    "accounts/recovery_codes.html",
                    {"codes": codes, "continue_url": _next_url(request)},
                )
        status = 400
    context = {
        "form": form,
        "qr_svg": twofactor.qr_svg(device),
        "manual_key": twofactor.manual_key(device),
    }
    return render(request, "accounts/enrol_totp.html", context, status=status)


@json_login_required
@require_POST
def webauthn_register_options(request):
    if not _may_enrol(request):
        return _json_error(_("Pass your second factor before adding a security key."), 403)
    return JsonResponse(ceremonies.registration_options(request.session, request.user))


@json_login_required
@require_POST
def webauthn_register_verify(request):
    if not _may_enrol(request):
        return _json_error(_("Pass your second factor before adding a security key."), 403)
    body = _json_body(request)
    if body is None or "credential" not in body:
        return _json_error(_("Send a JSON object with a name and the credential."))
    try:
        ceremonies.register(
            request.session,
            user=request.user,
            name=str(body.get("name", "")),
            credential=body["credential"],
            ip_address=session_index.client_ip(request),
        )
    except ceremonies.CeremonyError as exc:
        request.session.save()
        return _json_error(str(exc))
    codes = twofactor.issue_recovery_codes_if_missing(request.user)
    if not is_two_factor_verified(request.session):
        complete_second_factor(request, method="webauthn")
    return JsonResponse({"redirect": _next_url(request), "recovery_codes": codes}, status=201)


# --- Security overview: factors, recovery codes -------------------------------------------


@login_required
def security(request):
    context = {
        "totp": TotpDevice.objects.filter(user=request.user, confirmed=True).first(),
        "keys": WebAuthnCredential.objects.filter(user=request.user),
        "recovery_left": twofactor.unused_recovery_code_count(request.user),
        "form": PasswordConfirmForm(),
    }
    return render(request, "accounts/security.html", context)


def _reauthenticated(request) -> bool:
    form = PasswordConfirmForm(request.POST)
    if form.is_valid() and request.user.check_password(form.cleaned_data["password"]):
        return True
    messages.error(request, _("Your password is needed for this, and it was not correct."))
    return False


@login_required
@require_POST
def regenerate_recovery_codes(request):
    if not _reauthenticated(request):
        return redirect("accounts:security")
    codes = twofactor.regenerate_recovery_codes(
        user=request.user, ip_address=session_index.client_ip(request)
    )
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "continue_url": reverse("accounts:security")},
    )


@login_required
@require_POST
def remove_totp(request):
    if not _reauthenticated(request):
        return redirect("accounts:security")
    if not has_webauthn(request.user):
        messages.error(request, _("Add a security key before removing your only second factor."))
        return redirect("accounts:security")
    twofactor.remove_totp(user=request.user, ip_address=session_index.client_ip(request))
    session_index.end_other_sessions(request, reason="second factor removed")
    messages.success(request, _("The authenticator app was removed; your other sessions ended."))
    return redirect("accounts:security")


@login_required
@require_POST
def remove_key(request, credential_id: int):
    if not _reauthenticated(request):
        return redirect("accounts:security")
    if not has_totp(request.user) and request.user.webauthn_credentials.count() <= 1:
        messages.error(request, _("Add another second factor before removing your only one."))
        return redirect("accounts:security")
    try:
        ceremonies.remove(
            user=request.user,
            credential_id=credential_id,
            ip_address=session_index.client_ip(request),
        )
    except ceremonies.CeremonyError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:security")
    session_index.end_other_sessions(request, reason="second factor removed")
    messages.success(request, _("The security key was removed; your other sessions ended."))
    return redirect("accounts:security")


# --- Sessions and signing out -------------------------------------------------------------


def _sign_out_response(request) -> HttpResponse:
    logout(request)
    response = redirect("accounts:sign_in")
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response


@require_POST
def sign_out(request):
    if request.user.is_authenticated and request.session.session_key:
        session_index.end_sessions(
            user=request.user,
            session_keys=[request.session.session_key],
            reason="signed out",
            ip_address=session_index.client_ip(request),
        )
    return _sign_out_response(request)


@login_required
@require_POST
def sign_out_everywhere(request):
    session_index.end_sessions(
        user=request.user,
        session_keys=None,
        reason="signed out everywhere",
        ip_address=session_index.client_ip(request),
    )
    return _sign_out_response(request)


@login_required
def sessions(request):
    current = request.session.session_key
    records = session_index.live_sessions(request.user)
    return render(request, "accounts/sessions.html", {"records": records, "current": current})


@login_required
@require_POST
def end_session(request, record_id: int):
    record_ = request.user.session_records.filter(pk=record_id).first()
    if record_ is None:
        messages.error(request, _("No such session."))
        return redirect("accounts:sessions")
    if record_.session_key == request.session.session_key:
        messages.error(request, _("Use “Sign out” to end the session you are using."))
        return redirect("accounts:sessions")
    session_index.end_sessions(
        user=request.user,
        session_keys=[record_.session_key],
        reason="ended by the user",
        ip_address=session_index.client_ip(request),
    )
    messages.success(request, _("The session was ended."))
    return redirect("accounts:sessions")


@login_required
@require_POST
def end_other_sessions(request):
    ended = session_index.end_other_sessions(request, reason="ended by the user")
    count = len(ended)
    messages.success(
        request,
        ngettext(
            "%(count)d other session was ended.", "%(count)d other sessions were ended.", count
        )
        % {"count": count},
    )
    return redirect("accounts:sessions")


# --- Password, profile, tokens ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def change_password(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.change_password(
                    request,
                    current=form.cleaned_data["current_password"],
                    new=form.cleaned_data["new_password1"],
                    confirm=form.cleaned_data["new_password2"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field, errors)
            else:
                messages.success(
                    request, _("Your password was changed; your other sessions ended.")
                )
                return redirect("accounts:security")
        return render(request, "accounts/password.html", {"form": form}, status=400)
    return render(request, "accounts/password.html", {"form": form})


def _profile_initial(user) -> dict:
    initial = {field: getattr(user, field) for field in actions.PROFILE_FIELDS}
    initial["languages"] = list(user.languages)
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, initial=_profile_initial(request.user))
    if request.method == "POST":
        if form.is_valid():
            try:
                user = actions.update_profile(user=request.user, changes=form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                with translation.override(user.preferred_language):
                    messages.success(request, _("Your profile was saved."))
                response = redirect("accounts:profile")
                return interface_language.remember(response, user.preferred_language)
        return render(request, "accounts/profile.html", {"form": form}, status=400)
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    form = TokenForm(request.POST or None)
    issued = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            issued = tokens.create_token(
                user=request.user,
                name=form.cleaned_data["name"],
                lifetime_days=form.cleaned_data["lifetime_days"],
                ip_address=session_index.client_ip(request),
            )
            form = TokenForm()
            status = 201
        else:
            status = 400
    context = {"form": form, "issued": issued, "tokens": tokens.tokens_of(request.user)}
    return render(request, "accounts/tokens.html", context, status=status)


@login_required
@require_POST
def revoke_token(request, token_id: int):
    try:
        tokens.revoke_token(
            user=request.user, token_id=token_id, ip_address=session_index.client_ip(request)
        )
    except tokens.TokenError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The token was revoked."))
    return redirect("accounts:tokens")
