"""Constants and small readers shared by the Mastodon tests."""

import json

from essayons.connectors.mastodon.connector import MastodonConnector
from essayons.connectors.models import Connection
from essayons.connectors.tests.support import fixtures_of

fixture = fixtures_of(__file__)
INSTANCE = "https://piaille.example"
TOKEN = "ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0"
ACCOUNT = "109302436954721982"


def connector(account):
    return MastodonConnector(Connection.objects.get(pk=account.pk))


def multipart_fields(request):
    """name → (filename, content type, bytes) from a multipart/form-data body."""
    boundary = request.headers["Content-Type"].split("boundary=", 1)[1].encode()
    fields = {}
    for part in request.body.split(b"--" + boundary)[1:-1]:
        head, _, value = part.strip(b"\r\n").partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        disposition = dict(item.strip().split("=", 1) for item in lines[0].split(";")[1:])
        name = json.loads(disposition["name"])
        filename = json.loads(disposition["filename"]) if "filename" in disposition else None
        content_type = lines[1].split(":", 1)[1].strip() if len(lines) > 1 else ""
        fields[name] = (filename, content_type, value)
    return fields
