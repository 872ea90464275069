"""Reads for the connections page: the business's connections with their health, the networks.

A connector class may declare, besides the attributes of base.Connector:
- `oauth`: its OAuthProvider (flow.py); the page then knows whether the self-hoster has set the
  app credentials (`oauth.is_configured()`, `oauth.setting_names`) and connects by POST;
- `connect_method`: "get" or "post" for networks connected without OAuth (default "get").
The connect address is the URL named `connectors:<kind>_connect` (business id as argument).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse

from essayons.accounts.models import Business
from essayons.connectors.health import ConnectionWarning, connection_warnings
from essayons.connectors.models import Connection, ConnectionStatus
from essayons.connectors.registry import CONNECTORS

DOCS_DIR = Path(settings.BASE_DIR) / "docs" / "connectors"


@dataclass(frozen=True)
class Network:
    kind: str
    label: str
    configured: bool
    setting_names: tuple[str, ...]
    connect_url: str | None
    connect_method: str
    setup_url: str | None


@dataclass(frozen=True)
class ConnectionRow:
    connection: Connection
    network: Network | None
    warnings: list[ConnectionWarning]

    @property
    def needs_reconnect(self) -> bool:
        return any(warning.reconnect for warning in self.warnings)


def connections_of(business: Business) -> QuerySet[Connection]:
    return (
        Connection.objects.filter(business=business)
        .exclude(status=ConnectionStatus.DISABLED)
        .select_related("business")
        .order_by("kind", "account_name", "id")
    )


def networks_for(business: Business) -> list[Network]:
    return [network_for(kind, business) for kind in sorted(CONNECTORS)]


def network_for(kind: str, business: Business) -> Network:
    connector = CONNECTORS[kind]
    provider = getattr(connector, "oauth", None)
    try:
        connect_url: str | None = reverse(f"connectors:{kind}_connect", args=[business.public_id])
    except NoReverseMatch:
        connect_url = None
    return Network(
        kind=kind,
        label=str(connector.label),
        configured=provider.is_configured() if provider is not None else True,
        setting_names=tuple(provider.setting_names) if provider is not None else (),
        connect_url=connect_url,
        connect_method="post"
        if provider is not None
        else getattr(connector, "connect_method", "get"),
        setup_url=(
            reverse("connectors:setup", args=[business.public_id, kind])
            if setup_doc_path(kind) is not None
            else None
        ),
    )


def connection_rows(business: Business, now: datetime) -> list[ConnectionRow]:
    networks = {kind: network_for(kind, business) for kind in CONNECTORS}
    return [
        ConnectionRow(
            connection, networks.get(connection.kind), connection_warnings(connection, now)
        )
        for connection in connections_of(business)
    ]


def setup_doc_path(kind: str) -> Path | None:
    """docs/connectors/<kind>.md for a registered network, when the file exists."""
    if kind not in CONNECTORS:
        return None
    path = DOCS_DIR / f"{kind}.md"
    return path if path.is_file() else None
