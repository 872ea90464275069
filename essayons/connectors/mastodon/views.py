"""Connecting a Mastodon account: the owner names their instance, then says yes over there.

The business and the instance travel in the session next to the OAuth state (oauth.py), never
in the callback's query string, so an answer cannot attach an account to another business.
Checking and disconnecting are the connections page's (essayons/connectors/views.py).
"""

from __future__ import annotations

import logging
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from essayons.accounts.roles import Perm
from essayons.accounts.tenancy import BusinessRequest, business_view, membership_for
from essayons.connectors.errors import ConnectorError
from essayons.connectors.flow import list_url, redirect_uri
from essayons.connectors.mastodon.connector import MastodonConnector
from essayons.connectors.mastodon.forms import InstanceForm
from essayons.connectors.mastodon.services import (
    mastodon_app_ready,
    mastodon_authorize_url,
    mastodon_connect_finish,
)
from essayons.connectors.oauth import OAuthStateError, oauth_finish, oauth_start

log = logging.getLogger(__name__)
KIND = MastodonConnector.kind


@business_view(Perm.MANAGE_BUSINESS)
def connect(request: BusinessRequest) -> HttpResponse:
    form = InstanceForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        instance_url = form.cleaned_data["instance"]
        try:
            app = mastodon_app_ready(instance_url=instance_url, redirect_uri=redirect_uri(KIND))
        except ConnectorError as error:
            log.info("mastodon instance refused: %s", error.code or type(error).__name__)
            form.add_error(
                "instance",
                _(
                    "We cannot reach a Mastodon server at this address. Check it (for example "
                    "mastodon.social) or try again in a few minutes."
                ),
            )
        else:
            started = oauth_start(
                request,
                kind=KIND,
                extra={"business": str(request.business.public_id), "instance": instance_url},
            )
            return redirect(mastodon_authorize_url(app=app, started=started))
    status = 400 if form.errors else 200
    return render(request, "connectors/mastodon/connect.html", {"form": form}, status=status)


@login_required
def callback(request: HttpRequest) -> HttpResponse:
    try:
        verifier, extra = oauth_finish(request, kind=KIND, state=request.GET.get("state", ""))
        business_id = UUID(str(extra.get("business", "")))
        instance_url = str(extra["instance"])
    except (OAuthStateError, ValueError, KeyError):
        return render(request, "connectors/oauth_refused.html", status=400)
    membership = membership_for(request.user, business_id)  # type: ignore[arg-type]
    if not membership.can(Perm.MANAGE_BUSINESS):
        raise PermissionDenied(Perm.MANAGE_BUSINESS)
    business = membership.business
    code = request.GET.get("code", "")
    if request.GET.get("error") or not code:
        messages.warning(request, _("The connection was cancelled; nothing was changed."))
        return redirect(list_url(business))
    try:
        connection = mastodon_connect_finish(
            business=business, instance_url=instance_url, code=code, verifier=verifier
        )
    except ConnectorError as error:
        log.warning("connecting mastodon failed: %s", error.code or type(error).__name__)
        messages.error(
            request, _("Your Mastodon server did not accept the connection. Please try again.")
        )
        return redirect(list_url(business))
    messages.success(
        request,
        _("%(account)s is connected. Your posts can now go out there.")
        % {"account": connection.account_name},
    )
    return redirect(list_url(business))
