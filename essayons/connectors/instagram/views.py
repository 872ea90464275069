"""Connecting an Instagram professional account: the shared OAuth round trip (flow.py) with this network's provider."""

from __future__ import annotations

from essayons.connectors import flow
from essayons.connectors.instagram.connector import InstagramConnector

connect = flow.connect_view(InstagramConnector.oauth)
callback = flow.callback_view(InstagramConnector.oauth)
choose = flow.choose_view(InstagramConnector.oauth)
