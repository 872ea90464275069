"""The connections page of a business: each account with its health, connect, check, disconnect.

Connecting itself is per network (essayons/connectors/<kind>/views.py, mostly flow.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from essayons.accounts.roles import Perm
from essayons.accounts.tenancy import BusinessRequest, business_view, scoped_get
from essayons.connectors import services
from essayons.connectors.models import Connection, ConnectionStatus
from essayons.connectors.queries import connection_rows, networks_for, setup_doc_path


@business_view(Perm.MANAGE_BUSINESS)
def connection_list(request: BusinessRequest) -> HttpResponse:
    return _page(request)


@business_view(Perm.MANAGE_BUSINESS)
@require_POST
def disconnect(request: BusinessRequest, connection_id: int) -> HttpResponse:
    connection = scoped_get(
        Connection.objects.exclude(status=ConnectionStatus.DISABLED), request, pk=connection_id
    )
    services.connection_disconnect(connection=connection)
    messages.success(
        request,
        _("%(account)s is disconnected: nothing more will be posted there.")
        % {"account": connection.account_name},
    )
    return _done(request)


@business_view(Perm.MANAGE_BUSINESS)
@require_POST
def verify(request: BusinessRequest, connection_id: int) -> HttpResponse:
    connection = scoped_get(
        Connection.objects.exclude(status=ConnectionStatus.DISABLED), request, pk=connection_id
    )
    if services.connection_verify(connection=connection):
        messages.success(request, _("Checked just now: it works."))
    elif connection.status == ConnectionStatus.NEEDS_RECONNECT:
        messages.error(request, _("The network refused the connection: please reconnect it."))
    else:
        messages.warning(request, _("The network did not answer; we will try again later."))
    return _done(request)


@business_view(Perm.MANAGE_BUSINESS)
def setup(request: BusinessRequest, kind: str) -> HttpResponse:
    """The self-hoster's setup steps for a network (docs/connectors/<kind>.md), as plain text."""
    path = setup_doc_path(kind)
    if path is None:
        raise Http404("No setup notes for this network")
    return render(
        request, "connectors/setup.html", {"kind": kind, "text": path.read_text(encoding="utf-8")}
    )


def _page(request: BusinessRequest) -> HttpResponse:
    context = {
        "rows": connection_rows(request.business, timezone.now()),
        "networks": networks_for(request.business),
    }
    template = (
        "connectors/_connections.html"
        if getattr(request, "htmx", False)
        else "connectors/list.html"
    )
    return render(request, template, context)


def _done(request: BusinessRequest) -> HttpResponse:
    if getattr(request, "htmx", False):
        return _page(request)
    return redirect("connectors:list", request.business.public_id)
