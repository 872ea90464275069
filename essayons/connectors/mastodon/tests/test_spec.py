"""Our Mastodon requests and fixtures checked against the OpenAPI description of the API.

The spec (../shared/specs/mastodon/openapi.json, abraham/mastodon-openapi, generated from the
official documentation) is read as data: every field we send must be a parameter the endpoint
declares, every required one must be sent, and our fixtures must carry the fields the
entities require.
"""

import json
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings

from essayons.connectors.mastodon.tests.helpers import (
    INSTANCE,
    connector,
    fixture,
    multipart_fields,
)
from essayons.connectors.tests.support import answer, image_file, outgoing
from essayons.lib.http import FakeTransport, use_transport

SPEC = Path(settings.BASE_DIR).parent / "shared" / "specs" / "mastodon" / "openapi.json"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not SPEC.is_file(), reason=f"the Mastodon OpenAPI file is not at {SPEC}"),
]


@cache
def spec():
    return json.loads(SPEC.read_text(encoding="utf-8"))


def resolve(schema):
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = spec()["components"]["schemas"][name]
    return schema


def properties(schema):
    """Every property a schema allows (through allOf/oneOf/anyOf), and those it requires."""
    schema = resolve(schema)
    allowed, required = dict(schema.get("properties", {})), set(schema.get("required", []))
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key, []):
            more, needed = properties(part)
            allowed.update(more)
            if key == "allOf":
                required |= needed
    return allowed, required


def body_fields(path, method="post"):
    operation = spec()["paths"][path][method]
    allowed, required = {}, set()
    for content in operation["requestBody"]["content"].values():
        more, needed = properties(content["schema"])
        allowed.update(more)
        required |= needed
    return allowed, required


def parameter_names(path, method):
    return {p["name"] for p in spec()["paths"][path][method].get("parameters", [])}


def sent(account, post):
    fake = FakeTransport(answer(fixture("media_processed")), answer(fixture("status")))
    with use_transport(fake):
        connector(account).publish(post)
    return fake.requests


def test_status_fields_we_send_exist_in_the_spec(account, settings):
    requests = sent(account, outgoing(images=(image_file(settings),)))
    status = requests[-1]
    allowed, _ = body_fields("/api/v1/statuses")
    assert set(status.json()) <= set(allowed)
    assert status.json()["visibility"] in resolve(allowed["visibility"])["enum"]
    assert "Idempotency-Key" in parameter_names("/api/v1/statuses", "post")
    assert status.headers["Idempotency-Key"]


def test_a_text_status_sends_what_the_text_status_requires(account):
    [status] = sent_text_only(account)
    _, required = properties({"$ref": "#/components/schemas/TextStatus"})
    assert required <= set(status.json())


def sent_text_only(account):
    fake = FakeTransport(answer(fixture("status")))
    with use_transport(fake):
        connector(account).publish(outgoing())
    return fake.requests


def test_media_upload_fields_exist_in_the_spec(account, settings):
    upload = sent(account, outgoing(images=(image_file(settings),)))[0]
    operation = spec()["paths"]["/api/v2/media"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    allowed, required = body_fields("/api/v2/media")
    fields = multipart_fields(upload)
    assert set(fields) <= set(allowed)
    assert required <= set(fields)


def test_media_answers_we_handle_are_the_documented_ones():
    assert {"200", "202"} <= set(spec()["paths"]["/api/v2/media"]["post"]["responses"])
    assert {"200", "206"} <= set(spec()["paths"]["/api/v1/media/{id}"]["get"]["responses"])


def test_app_registration_and_token_fields_exist_in_the_spec():
    from essayons.connectors.mastodon import client

    fake = FakeTransport(answer(fixture("app")), answer(fixture("token")))
    with use_transport(fake):
        client.app_register(
            INSTANCE,
            client_name="Essayons",
            redirect_uri="https://e.example/cb",
            website="https://e.example",
        )
        client.token_exchange(
            INSTANCE,
            client_id="id",
            client_secret="secret",
            code="code",
            redirect_uri="https://e.example/cb",
            code_verifier="v" * 43,
        )
    app_request, token_request = fake.requests
    allowed, required = body_fields("/api/v1/apps")
    assert required <= set(app_request.json()) <= set(allowed)
    from urllib.parse import parse_qs

    token_fields = set(parse_qs(token_request.body.decode()))
    allowed, required = body_fields("/oauth/token")
    assert required <= token_fields <= set(allowed)
    assert "code_verifier" in token_fields


def test_lookup_parameters_exist_in_the_spec():
    names = parameter_names("/api/v1/accounts/{id}/statuses", "get")
    assert {"limit", "exclude_reblogs", "max_id"} <= names


@pytest.mark.parametrize(
    ("name", "entity"),
    [
        ("status", "Status"),
        ("account", "Account"),
        ("media_processed", "MediaAttachment"),
        ("app", "Application"),
        ("token", "Token"),
        ("instance_v2", "Instance"),
    ],
)
def test_fixtures_carry_what_the_entities_require(name, entity):
    schemas = spec()["components"]["schemas"]
    if entity not in schemas:
        pytest.skip(f"{entity} is not described in this version of the spec")
    _, required = properties({"$ref": f"#/components/schemas/{entity}"})
    relaxed = required - {"account", "application", "source", "mentions", "tags", "emojis"}
    missing = relaxed - set(fixture(name))
    assert not missing, f"{name}.json lacks {sorted(missing)}"


def test_limits_we_read_are_where_the_spec_puts_them():
    instance = resolve({"$ref": "#/components/schemas/Instance"})
    statuses = instance["properties"]["configuration"]["properties"]["statuses"]["properties"]
    assert {"max_characters", "max_media_attachments", "characters_reserved_per_url"} <= set(
        statuses
    )


# --- the inbox ---------------------------------------------------------------------------


def sent_reply(account, visibility):
    from essayons.connectors.base import ReplyTarget

    fake = FakeTransport(answer(fixture("status_reply")))
    with use_transport(fake):
        connector(account).reply(
            target=ReplyTarget(
                remote_id="103186126728896492",
                context={"acct": "zsc", "visibility": visibility},
            ),
            text="Merci !",
            attempt_key="reply-7-attempt",
        )
    return fake.last


@pytest.mark.parametrize("visibility", ["public", "unlisted", "private", "direct", ""])
def test_reply_fields_we_send_exist_in_the_spec(account, visibility):
    request = sent_reply(account, visibility)
    allowed, _ = body_fields("/api/v1/statuses")
    assert set(request.json()) <= set(allowed)
    assert "in_reply_to_id" in request.json()
    assert request.json()["visibility"] in resolve(allowed["visibility"])["enum"]


def test_notification_parameters_exist_in_the_spec(account):
    from urllib.parse import parse_qs, urlsplit

    fake = FakeTransport(answer([]))
    with use_transport(fake):
        connector(account).inbox_poll(kind="mentions", cursor="34975000")
    sent = {name.removesuffix("[]") for name in parse_qs(urlsplit(fake.last.url).query)}
    assert sent <= parameter_names("/api/v1/notifications", "get")
    types = spec()["components"]["schemas"]["NotificationTypeEnum"]["enum"]
    assert "mention" in types


def test_the_thread_we_read_has_descendants_in_the_spec():
    context = resolve({"$ref": "#/components/schemas/Context"})
    assert "descendants" in context["required"]
    assert set(fixture("context")) == set(context["properties"])


@pytest.mark.parametrize(
    ("items", "entity"),
    [
        (lambda: fixture("notifications_mentions"), "Notification"),
        (lambda: [n["status"] for n in fixture("notifications_mentions")], "Status"),
        (lambda: [fixture("status_reply")], "Status"),
        (lambda: fixture("context")["descendants"], "Status"),
    ],
)
def test_inbox_fixtures_carry_what_the_entities_require(items, entity):
    _, required = properties({"$ref": f"#/components/schemas/{entity}"})
    relaxed = required - {"account", "application", "mentions", "tags", "emojis"}
    for item in items():
        missing = relaxed - set(item)
        assert not missing, f"{entity} lacks {sorted(missing)}"
