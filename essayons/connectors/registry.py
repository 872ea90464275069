"""Every network Essayons speaks to, by kind. Each connector lives in its own folder."""

from __future__ import annotations

from essayons.connectors.base import Connector

CONNECTORS: dict[str, type[Connector]] = {}


def connector_for(kind: str) -> type[Connector]:
    return CONNECTORS[kind]
