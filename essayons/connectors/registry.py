"""Every network Essayons speaks to, by kind. Each connector lives in its own folder."""

from __future__ import annotations

from essayons.connectors.base import Connector
from essayons.connectors.bluesky.connector import BlueskyConnector
from essayons.connectors.facebook.connector import FacebookConnector
from essayons.connectors.google.connector import GoogleConnector
from essayons.connectors.instagram.connector import InstagramConnector
from essayons.connectors.linkedin.connector import LinkedInConnector
from essayons.connectors.mastodon.connector import MastodonConnector

CONNECTORS: dict[str, type[Connector]] = {
    FacebookConnector.kind: FacebookConnector,
    InstagramConnector.kind: InstagramConnector,
    GoogleConnector.kind: GoogleConnector,
    LinkedInConnector.kind: LinkedInConnector,
    MastodonConnector.kind: MastodonConnector,
    BlueskyConnector.kind: BlueskyConnector,
}


def connector_for(kind: str) -> type[Connector]:
    return CONNECTORS[kind]
