"""Which second factor a session used, measured against what a network requires."""

from network.accounts.sessions import two_factor_method


def session_satisfies_coordinator_factor(session, network) -> bool:
    """A coordinator of a network that requires WebAuthn must have signed in with it."""
    return not network.coordinators_require_webauthn or two_factor_method(session) == "webauthn"
