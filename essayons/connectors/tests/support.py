"""Helpers for the connector tests: fixtures from JSON files, connections, posts, fake answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from essayons.connectors.base import Outgoing, OutgoingImage
from essayons.connectors.models import Connection
from essayons.lib.http import Response


def fixtures_of(test_file: str):
    """A loader for the tests/fixtures/*.json next to `test_file`."""
    folder = Path(test_file).parent / "fixtures"

    def load(name: str) -> Any:
        return json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))

    return load


def answer(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response.of_json(payload, status=status, headers=headers)


def connection_make(
    business, kind: str, account_id: str, credentials: dict, **fields
) -> Connection:
    connection = Connection(
        business=business,
        kind=kind,
        account_id=account_id,
        account_name=fields.pop("account_name", "Boulangerie Test"),
        account_url=fields.pop("account_url", ""),
        **fields,
    )
    connection.credentials = credentials
    connection.save()
    return connection


def outgoing(text: str = "Croissants tout chauds ce matin !\nVenez vite.", **kwargs) -> Outgoing:
    kwargs.setdefault("attempt_key", "delivery-42-attempt")
    return Outgoing(text=text, **kwargs)


def image_file(
    settings, name: str = "croissant.jpg", data: bytes = b"\xff\xd8\xff-jpeg-bytes"
) -> OutgoingImage:
    """An image saved under MEDIA_ROOT, as the planner stores renditions."""
    folder = Path(settings.MEDIA_ROOT) / "planner"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return OutgoingImage(path=f"planner/{name}", mime_type="image/jpeg", alt="Des croissants")


def form_of(request) -> dict[str, list[str]]:
    from urllib.parse import parse_qs

    return parse_qs(request.body.decode())
