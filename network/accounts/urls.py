from django.urls import path

from network.accounts import views, views_invitations, views_password_reset

app_name = "accounts"

urlpatterns = [
    # Reachable by a half-authenticated session (middleware.OPEN_PREFIXES).
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/verify/", views.second_factor, name="second_factor"),
    path("sign-in/recovery/", views.recovery, name="recovery"),
    path(
        "sign-in/webauthn/options/",
        views.webauthn_sign_in_options,
        name="webauthn_sign_in_options",
    ),
    path("sign-in/webauthn/verify/", views.webauthn_sign_in_verify, name="webauthn_sign_in_verify"),
    path("sign-in/enrol/", views.enrol, name="enrol"),
    path("sign-in/enrol/totp/", views.enrol_totp, name="enrol_totp"),
    path(
        "sign-in/enrol/webauthn/options/",
        views.webauthn_register_options,
        name="webauthn_register_options",
    ),
    path(
        "sign-in/enrol/webauthn/verify/",
        views.webauthn_register_verify,
        name="webauthn_register_verify",
    ),
    path("sign-out/", views.sign_out, name="sign_out"),
    # Open to anonymous visitors; a half-authenticated session is sent to its second factor
    # like everywhere outside OPEN_PREFIXES (see docs/accounts.md, "Invitations").
    path("invitation/<str:token>/", views_invitations.accept, name="accept_invitation"),
    path("password-reset/", views_password_reset.request_link, name="password_reset"),
    path(
        "password-reset/<str:uidb64>/<str:token>/",
        views_password_reset.confirm,
        name="password_reset_confirm",
    ),
    # Fully signed in only.
    path("security/", views.security, name="security"),
    path(
        "security/recovery-codes/",
        views.regenerate_recovery_codes,
        name="regenerate_recovery_codes",
    ),
    path("security/totp/remove/", views.remove_totp, name="remove_totp"),
    path("security/keys/<int:credential_id>/remove/", views.remove_key, name="remove_key"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/<int:record_id>/end/", views.end_session, name="end_session"),
    path("sessions/end-others/", views.end_other_sessions, name="end_other_sessions"),
    # Not open to a half-authenticated session: a password alone must not end every session.
    path("sessions/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("password/", views.change_password, name="password"),
    path("profile/", views.profile, name="profile"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    path("invitations/", views_invitations.invitation_list, name="invitations"),
    path("invitations/new/<slug:slug>/", views_invitations.invite, name="invite"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        views_invitations.revoke,
        name="revoke_invitation",
    ),
]
