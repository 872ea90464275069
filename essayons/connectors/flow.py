"""The "connect an account" round trip shared by the OAuth networks (Facebook, Instagram,
Google, LinkedIn): start, come back, pick the page when there are several, save.

Each network gives an `OAuthProvider` (how to build its authorisation URL and how to turn the
returned code into accounts); the views here do the rest identically for all of them:
- the business is written in the session next to the OAuth state before leaving, and read
  back from there on return, never from the query string: a callback cannot attach an
  account to another business (ASVS 10.1.2 / 10.2.1, oauth.py);
- a forged, missing, replayed or stale state gets a French error page and nothing is stored;
- accounts waiting for the owner's choice stay in the session encrypted (lib/crypto), for
  15 minutes, bound to the business: tokens never reach the browser nor sit in clear at rest.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from essayons.accounts.models import Business
from essayons.accounts.roles import Perm
from essayons.accounts.tenancy import BusinessRequest, business_view, membership_for
from essayons.connectors import services
from essayons.connectors.errors import ConnectorError
from essayons.connectors.oauth import OAuthStateError, oauth_finish, oauth_start
from essayons.lib import crypto

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

log = logging.getLogger(__name__)

CHOICES_KEY = "connect_choices"
CHOICES_MAX_AGE_SECONDS = 15 * 60

View = Callable[..., HttpResponse]


@dataclass(frozen=True)
class Candidate:
    """One account the person may connect (a Page, a location, an organisation)."""

    account_id: str
    name: str
    url: str = ""
    credentials: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None


class OAuthProvider(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def setting_names(self) -> tuple[str, ...]:
        """The settings the self-hoster must set (the app's id and secret)."""

    @property
    def no_account_message(self) -> StrOrPromise: ...

    def is_configured(self) -> bool: ...

    def authorize_url(self, *, state: str, code_challenge: str, redirect_uri: str) -> str: ...

    def candidates(self, *, code: str, verifier: str, redirect_uri: str) -> list[Candidate]:
        """Exchange the code; the accounts this person can publish to. Raises ConnectorError."""


def settings_present(*names: str) -> bool:
    return all(getattr(settings, name, "") for name in names)


def redirect_uri(kind: str) -> str:
    """The fixed callback address to register with the network (no business id in it)."""
    return settings.SITE_URL + reverse(f"connectors:{kind}_callback")


def list_url(business: Business) -> str:
    return reverse("connectors:list", args=[business.public_id])


def oauth_urls(*, kind: str, connect: View, callback: View, choose: View) -> list[URLPattern]:
    """The three addresses of a network's round trip; the callback has no business id in it,
    so that one redirect URL can be registered with the network for every business."""
    return [
        path(f"e/<uuid:business_id>/connexions/{kind}/connecter/", connect, name=f"{kind}_connect"),
        path(f"connexions/{kind}/retour/", callback, name=f"{kind}_callback"),
        path(f"e/<uuid:business_id>/connexions/{kind}/choisir/", choose, name=f"{kind}_choose"),
    ]


# --- Views ------------------------------------------------------------------------------------


def connect_view(provider: OAuthProvider) -> View:
    @business_view(Perm.MANAGE_BUSINESS)
    @require_POST
    def connect(request: BusinessRequest) -> HttpResponse:
        if not provider.is_configured():
            messages.error(request, _("This network is not set up on this server yet."))
            return redirect(list_url(request.business))
        started = oauth_start(
            request, kind=provider.kind, extra={"business": str(request.business.public_id)}
        )
        return redirect(
            provider.authorize_url(
                state=started.state,
                code_challenge=started.code_challenge,
                redirect_uri=redirect_uri(provider.kind),
            )
        )

    return connect


def callback_view(provider: OAuthProvider) -> View:
    @login_required
    def callback(request: HttpRequest) -> HttpResponse:
        try:
            verifier, extra = oauth_finish(
                request, kind=provider.kind, state=request.GET.get("state", "")
            )
            business_id = UUID(str(extra.get("business", "")))
        except (OAuthStateError, ValueError):
            return _refused(request)
        membership = membership_for(request.user, business_id)  # type: ignore[arg-type]
        if not membership.can(Perm.MANAGE_BUSINESS):
            raise PermissionDenied(Perm.MANAGE_BUSINESS)
        business = membership.business
        code = request.GET.get("code", "")
        if request.GET.get("error") or not code:
            messages.warning(request, _("The connection was cancelled; nothing was changed."))
            return redirect(list_url(business))
        try:
            found = provider.candidates(
                code=code, verifier=verifier, redirect_uri=redirect_uri(provider.kind)
            )
        except ConnectorError as error:
            log.warning(
                "connecting %s failed: %s", provider.kind, error.code or type(error).__name__
            )
            messages.error(
                request,
                _("The network did not accept the connection. Please try again in a moment."),
            )
            return redirect(list_url(business))
        return _after_exchange(request, provider, business, found)

    return callback


def choose_view(provider: OAuthProvider) -> View:
    @business_view(Perm.MANAGE_BUSINESS)
    def choose(request: BusinessRequest) -> HttpResponse:
        found = choices_load(request, kind=provider.kind, business=request.business)
        if found is None:
            raise Http404("No account waiting to be chosen")
        form = CandidateForm(request.POST if request.method == "POST" else None, candidates=found)
        if request.method == "POST" and form.is_valid():
            chosen = next(c for c in found if c.account_id == form.cleaned_data["account"])
            choices_clear(request, kind=provider.kind)
            return _saved(request, provider.kind, request.business, chosen)
        return render(
            request,
            "connectors/choose.html",
            {"form": form, "kind": provider.kind, "network": _label(provider.kind)},
            status=400 if form.errors else 200,
        )

    return choose


class CandidateForm(forms.Form):
    account = forms.ChoiceField(
        label=gettext_lazy("Which one?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Please choose one."),
            "invalid_choice": gettext_lazy("Please choose one of the accounts listed."),
        },
    )

    def __init__(self, *args: Any, candidates: list[Candidate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["account"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 (declared just above)
        field.choices = [(c.account_id, c.name) for c in candidates]


def _after_exchange(
    request: HttpRequest, provider: OAuthProvider, business: Business, found: list[Candidate]
) -> HttpResponse:
    if not found:
        messages.error(request, provider.no_account_message)
        return redirect(list_url(business))
    if len(found) == 1:
        return _saved(request, provider.kind, business, found[0])
    choices_keep(request, kind=provider.kind, business=business, candidates=found)
    return redirect(f"connectors:{provider.kind}_choose", business.public_id)


def _saved(request: HttpRequest, kind: str, business: Business, chosen: Candidate) -> HttpResponse:
    services.connection_save(business=business, kind=kind, candidate=chosen)
    messages.success(
        request,
        _("%(account)s is connected. Your posts can now go out there.") % {"account": chosen.name},
    )
    return redirect(list_url(business))


def _refused(request: HttpRequest) -> HttpResponse:
    return render(request, "connectors/oauth_refused.html", status=400)


def _label(kind: str) -> str:
    from essayons.connectors.registry import CONNECTORS

    connector = CONNECTORS.get(kind)
    return str(connector.label) if connector else kind


# --- Accounts waiting for a choice, sealed in the session -------------------------------------


def _candidate_dump(candidate: Candidate) -> dict[str, Any]:
    data = asdict(candidate)
    data["expires_at"] = candidate.expires_at.isoformat() if candidate.expires_at else None
    return data


def _candidate_load(data: dict[str, Any]) -> Candidate:
    expires = data.get("expires_at")
    return Candidate(
        account_id=str(data["account_id"]),
        name=str(data["name"]),
        url=str(data.get("url", "")),
        credentials=dict(data.get("credentials", {})),
        expires_at=datetime.fromisoformat(expires) if expires else None,
    )


def choices_keep(
    request: HttpRequest, *, kind: str, business: Business, candidates: list[Candidate]
) -> None:
    sealed = crypto.encrypt(json.dumps([_candidate_dump(c) for c in candidates]))
    pending = dict(request.session.get(CHOICES_KEY, {}))
    pending[kind] = {"business": str(business.public_id), "at": time.time(), "sealed": sealed}
    request.session[CHOICES_KEY] = pending


def choices_load(request: HttpRequest, *, kind: str, business: Business) -> list[Candidate] | None:
    """The accounts waiting for this business and network, or None (absent, expired, other)."""
    started = request.session.get(CHOICES_KEY, {}).get(kind)
    if not started or started.get("business") != str(business.public_id):
        return None
    if time.time() - float(started.get("at", 0)) > CHOICES_MAX_AGE_SECONDS:
        choices_clear(request, kind=kind)
        return None
    try:
        return [_candidate_load(item) for item in json.loads(crypto.decrypt(started["sealed"]))]
    except (crypto.CryptoError, ValueError, KeyError, TypeError):
        choices_clear(request, kind=kind)
        return None


def choices_clear(request: HttpRequest, *, kind: str) -> None:
    pending = dict(request.session.get(CHOICES_KEY, {}))
    pending.pop(kind, None)
    request.session[CHOICES_KEY] = pending
