"""Connecting a Google Business Profile location: the shared OAuth round trip (flow.py) with this network's provider."""

from __future__ import annotations

from essayons.connectors import flow
from essayons.connectors.google.connector import GoogleConnector

connect = flow.connect_view(GoogleConnector.oauth)
callback = flow.callback_view(GoogleConnector.oauth)
choose = flow.choose_view(GoogleConnector.oauth)
