"""Connecting a Bluesky account: handle + app password (never shown back, never logged).

Checking and disconnecting are the connections page's (essayons/connectors/views.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from essayons.accounts.roles import Perm
from essayons.accounts.tenancy import BusinessRequest, business_view
from essayons.connectors.bluesky.forms import BlueskyConnectForm
from essayons.connectors.bluesky.services import BlueskyConnectError, bluesky_connect


@sensitive_post_parameters("app_password")
@business_view(Perm.MANAGE_BUSINESS)
def connect(request: BusinessRequest) -> HttpResponse:
    form = BlueskyConnectForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            connection = bluesky_connect(business=request.business, **form.cleaned_data)
        except BlueskyConnectError as error:
            form.add_error(error.field, str(error.message))
        else:
            messages.success(
                request,
                _("%(account)s is connected. Your posts can now go out there.")
                % {"account": connection.account_name},
            )
            return redirect("connectors:list", request.business.public_id)
    status = 400 if form.errors else 200
    return render(request, "connectors/bluesky/connect.html", {"form": form}, status=status)
