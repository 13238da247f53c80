from django.dispatch import Signal

# Sent once, after commit, when a membership stops being active (suspended, revoked,
# expired) or an account is disabled: other apps cut access at once (close sockets, drop
# room participation). Arguments: membership (or None for an account), user, reason.
membership_deactivated = Signal()
