from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from network.models import Membership


@login_required
def home(request):
    memberships = Membership.objects.filter(user=request.user).select_related("network")
    return render(request, "network/home.html", {"memberships": memberships})


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
