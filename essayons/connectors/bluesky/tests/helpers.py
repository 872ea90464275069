"""Constants and small builders shared by the Bluesky tests."""

import base64
import json

from essayons.connectors.bluesky.connector import BlueskyConnector
from essayons.connectors.models import Connection
from essayons.connectors.tests.support import fixtures_of

fixture = fixtures_of(__file__)
PDS = "https://morel.us-east.host.bsky.network"
DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"
XRPC = f"{PDS}/xrpc"


def connector(account):
    return BlueskyConnector(Connection.objects.get(pk=account.pk))


def jwt(**claims):
    """An unsigned-looking JWT carrying `claims` (our code only reads exp and scope)."""

    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256'})}.{part(claims)}.c2ln"
