from django.dispatch import Signal

# Sent once, after commit, when a membership stops being active (suspended, revoked,
# expired) or an account is disabled: other apps cut access at once (close sockets, drop
# room participation). Arguments: membership (or None for an account), user, reason.
membership_deactivated = Signal()

# Sent inside the admitting transaction when a designation admitted for a full seat replaces
# the seat's previous holder, whose membership has just ended. Other apps move what the
# outgoing member held in the network to the successor (the directory: linked entries and
# introductions; messaging: room ownerships and open translation requests); a refusal raised
# by a receiver undoes the admission. Arguments: network, outgoing, successor, actor.
seat_replaced = Signal()

# Sent inside the accepting transaction when an invitation link created an account. A room
# guest's invitation (`invitation.guest`) admits the new account to its room (messaging's
# receiver); a refusal raised by a receiver undoes the account. Arguments: invitation, user.
invitation_accepted = Signal()
