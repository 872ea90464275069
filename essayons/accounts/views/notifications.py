"""The person's notifications: what happened in their businesses and where to act."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from essayons.accounts.models import Notification
from essayons.accounts.queries import notifications_of
from essayons.accounts.services import notifications_mark_read
from essayons.accounts.tenancy import AuthedRequest


@login_required
def notifications(request: AuthedRequest) -> HttpResponse:
    return render(request, "accounts/notifications.html", {"notes": notifications_of(request.user)})


@login_required
def notification_open(request: AuthedRequest, notification_id: int) -> HttpResponse:
    """Mark the notification read and go where it says (always a path on this site)."""
    note = get_object_or_404(Notification, pk=notification_id, user=request.user)
    notifications_mark_read(user=request.user, notification_id=note.pk)
    if note.url.startswith("/") and not note.url.startswith("//"):
        return redirect(note.url)
    return redirect("accounts:notifications")


@require_POST
@login_required
def notifications_read(request: AuthedRequest) -> HttpResponse:
    notifications_mark_read(user=request.user)
    return redirect("accounts:notifications")
