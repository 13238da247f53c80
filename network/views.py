from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.shortcuts import render

from network.models import Endorsement, Membership

Status = Membership.Status


@login_required
def home(request):
    memberships = Membership.objects.filter(user=request.user).select_related("network")
    return render(
        request,
        "network/home.html",
        {"memberships": memberships, "vetting_work": vetting_work(request.user)},
    )


def vetting_work(user) -> list[dict]:
    """Per network where the user is active: applicants to endorse, applications to decide."""
    work = []
    for membership in Membership.objects.active().filter(user=user).select_related("network"):
        pending = Membership.objects.filter(
            network=membership.network, status__in=[Status.APPLICANT, Status.ENDORSED]
        ).exclude(user=user)
        endorsed_by_user = Endorsement.objects.filter(
            membership=OuterRef("pk"),
            endorser=user,
            application_round=OuterRef("application_round"),
        )
        to_endorse = pending.exclude(Exists(endorsed_by_user)).count()
        to_decide = (
            pending.filter(status=Status.ENDORSED).count()
            if membership.role == Membership.Role.COORDINATOR
            else 0
        )
        if to_endorse or to_decide:
            work.append(
                {"network": membership.network, "to_endorse": to_endorse, "to_decide": to_decide}
            )
    return work
