"""Connecting a LinkedIn organisation page: the shared OAuth round trip (flow.py) with this network's provider."""

from __future__ import annotations

from essayons.connectors import flow
from essayons.connectors.linkedin.connector import LinkedInConnector

connect = flow.connect_view(LinkedInConnector.oauth)
callback = flow.callback_view(LinkedInConnector.oauth)
choose = flow.choose_view(LinkedInConnector.oauth)
