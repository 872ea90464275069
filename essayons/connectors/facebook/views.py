"""Connecting a Facebook Page: the shared OAuth round trip (flow.py) with this network's provider."""

from __future__ import annotations

from essayons.connectors import flow
from essayons.connectors.facebook.connector import FacebookConnector

connect = flow.connect_view(FacebookConnector.oauth)
callback = flow.callback_view(FacebookConnector.oauth)
choose = flow.choose_view(FacebookConnector.oauth)
