"""A room guest as the API and the pages show it."""

from messaging.guests.models import RoomGuest


def guest_data(guest: RoomGuest, *, with_room: bool = True) -> dict:
    def person(user):
        return None if user is None else {"id": user.pk, "name": user.display_name}

    data = {
        "id": guest.pk,
        "name": guest.name,
        "email": guest.email,
        "organisation": guest.organisation,
        "purpose": guest.purpose,
        "ends_on": guest.ends_on.isoformat(),
        "status": guest.status,
        "threads": sorted(str(thread.pk) for thread in guest.threads.all()),
        "sponsor": person(guest.sponsor),
        "network": guest.room.network.slug,
        "proposed_at": guest.proposed_at,
        "decided_by": person(guest.decided_by),
        "decided_at": guest.decided_at,
        "decision_reason": guest.decision_reason,
        "user": person(guest.user),
        "ended_at": guest.ended_at,
        "end_reason": guest.end_reason,
    }
    if with_room:
        data["room"] = str(guest.room_id)
    return data
