from django.dispatch import Signal

# Sent after commit when sessions of a user end before their time (sign-out, sign-out
# everywhere, a terminated session, a factor change, an account disabled), so that open
# WebSockets of those sessions are closed at once. Arguments: user, session_keys (a list;
# empty means every session of the user).
sessions_ended = Signal()
