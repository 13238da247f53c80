"""Room guests: people who are members of no network (an NGO's caseworker, a labour
inspector, a social or health service) admitted to one case room in the support capacity.

A room owner proposes the guest (who, which organisation, why, until when, which threads);
a coordinator of the room's network approves or refuses with reasons, never their own
proposal; the network's room policy must allow guests (`Network.guests_allowed`). Approved,
the guest receives an invitation link (or, with an account already, is admitted at once),
creates an account with the same mandatory second factor as members, and reaches only the
rooms they are a guest of, reading only the threads named to them, until the end date
(`RoomParticipant.guest_until`, read by messaging/access.py). An owner or a coordinator ends
a guest's stay early. See docs/trust.md.
"""
