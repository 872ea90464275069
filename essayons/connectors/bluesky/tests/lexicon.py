"""A small Lexicon checker for the records Essayons writes, read from the official lexicon JSON.

It knows the parts of https://atproto.com/specs/lexicon our posts use: record, object
(required, and no property the schema does not declare, to catch our typos), ref, union
($type must name one of the refs), array (maxLength, items), string (maxLength counted in
UTF-8 bytes, maxGraphemes, formats datetime, uri, at-uri, cid, did, language), integer (minimum,
maximum), boolean and blob (accept, maxSize). Anything else is reported, not ignored.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

from essayons.connectors.bluesky import atproto

LEXICONS = Path(settings.BASE_DIR).parent / "shared" / "specs" / "atproto" / "lexicons"
URI_PATTERN = re.compile(r"^[a-z][a-z0-9+.-]*:\S+$")
DID_PATTERN = re.compile(r"^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$")
LANGUAGE_PATTERN = re.compile(r"^(i|[a-z]{2,3})(-[a-zA-Z0-9]+)*$")
# https://atproto.com/specs/at-uri-scheme (the "restricted" form records use: did, collection,
# record key) and https://atproto.com/specs/data-model#link-and-cid-formats (base32 CIDv1, "b...").
AT_URI_PATTERN = re.compile(
    r"^at://did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]"
    r"(/[a-zA-Z]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)+"
    r"(/[a-zA-Z0-9_~.:-]{1,512})?)?$"
)
CID_PATTERN = re.compile(r"^b[a-z2-7]{8,}$")


@cache
def lexicon(nsid: str) -> dict[str, Any]:
    path = LEXICONS.joinpath(*nsid.split(".")).with_suffix(".json")
    return json.loads(path.read_text(encoding="utf-8"))


def definition(ref: str, *, context: str) -> tuple[dict[str, Any], str]:
    """The definition a ref names ("#image", "app.bsky.embed.images", "a.b.c#def")."""
    nsid, _, name = ref.partition("#")
    nsid = nsid or context
    return lexicon(nsid)["defs"][name or "main"], nsid


def problems_of_record(nsid: str, value: Any) -> list[str]:
    """Everything wrong with `value` as a record of type `nsid`; empty when it is valid."""
    main = lexicon(nsid)["defs"]["main"]
    assert main["type"] == "record"
    found: list[str] = []
    if isinstance(value, dict) and value.get("$type") not in (None, nsid):
        found.append(f"$: $type is {value.get('$type')!r}, not {nsid!r}")
    _check(main["record"], value, context=nsid, path="$", found=found)
    return found


def _check(
    schema: dict[str, Any], value: Any, *, context: str, path: str, found: list[str]
) -> None:
    kind = schema["type"]
    checker = CHECKERS.get(kind)
    if checker is None:
        found.append(f"{path}: the checker does not know the type {kind!r}")
        return
    checker(schema, value, context=context, path=path, found=found)


def _object(schema, value, *, context, path, found):
    if not isinstance(value, dict):
        found.append(f"{path}: expected an object")
        return
    properties = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in value:
            found.append(f"{path}.{name}: required")
    for name, item in value.items():
        if name == "$type":
            continue
        if name not in properties:
            found.append(f"{path}.{name}: not in the schema")
            continue
        _check(properties[name], item, context=context, path=f"{path}.{name}", found=found)


def _ref(schema, value, *, context, path, found):
    target, nsid = definition(schema["ref"], context=context)
    _check(target, value, context=nsid, path=path, found=found)


def _union(schema, value, *, context, path, found):
    if not isinstance(value, dict) or "$type" not in value:
        found.append(f"{path}: a union member needs a $type")
        return
    wanted = value["$type"]
    for ref in schema["refs"]:
        nsid, _, name = ref.partition("#")
        full = f"{nsid or context}#{name}" if name else (nsid or context)
        if wanted in (full, full.removesuffix("#main")):
            target, target_nsid = definition(ref, context=context)
            _check(target, value, context=target_nsid, path=path, found=found)
            return
    found.append(f"{path}: $type {wanted!r} is not one of {schema['refs']}")


def _array(schema, value, *, context, path, found):
    if not isinstance(value, list):
        found.append(f"{path}: expected an array")
        return
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        found.append(f"{path}: more than {schema['maxLength']} items")
    for index, item in enumerate(value):
        _check(schema["items"], item, context=context, path=f"{path}[{index}]", found=found)


def _string(schema, value, *, context, path, found):
    if not isinstance(value, str):
        found.append(f"{path}: expected a string")
        return
    if "maxLength" in schema and len(value.encode("utf-8")) > schema["maxLength"]:
        found.append(f"{path}: over {schema['maxLength']} UTF-8 bytes")
    if "maxGraphemes" in schema and atproto.grapheme_count(value) > schema["maxGraphemes"]:
        found.append(f"{path}: over {schema['maxGraphemes']} graphemes")
    valid = {
        "datetime": atproto.datetime_valid,
        "uri": lambda v: bool(URI_PATTERN.match(v)) and len(v) <= 8192,
        "at-uri": lambda v: bool(AT_URI_PATTERN.match(v)) and len(v) <= 8192,
        "cid": lambda v: bool(CID_PATTERN.match(v)),
        "did": lambda v: bool(DID_PATTERN.match(v)),
        "language": lambda v: bool(LANGUAGE_PATTERN.match(v)),
    }
    form = schema.get("format")
    if form is not None and form not in valid:
        found.append(f"{path}: the checker does not know the format {form!r}")
    elif form is not None and not valid[form](value):
        found.append(f"{path}: not a valid {form}")


def _integer(schema, value, *, context, path, found):
    if not isinstance(value, int) or isinstance(value, bool):
        found.append(f"{path}: expected an integer")
        return
    if "minimum" in schema and value < schema["minimum"]:
        found.append(f"{path}: under {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        found.append(f"{path}: over {schema['maximum']}")


def _boolean(schema, value, *, context, path, found):
    if not isinstance(value, bool):
        found.append(f"{path}: expected a boolean")


def _blob(schema, value, *, context, path, found):
    if not isinstance(value, dict) or value.get("$type") != "blob":
        found.append(f"{path}: expected a blob")
        return
    link = value.get("ref", {}).get("$link") if isinstance(value.get("ref"), dict) else None
    if not isinstance(link, str) or not link:
        found.append(f"{path}.ref: a blob needs a {{'$link': cid}}")
    mime = value.get("mimeType", "")
    accept = schema.get("accept", ["*/*"])
    if not any(re.fullmatch(pattern.replace("*", ".+"), mime) for pattern in accept):
        found.append(f"{path}.mimeType: {mime!r} not in {accept}")
    if "maxSize" in schema and value.get("size", 0) > schema["maxSize"]:
        found.append(f"{path}.size: over {schema['maxSize']} bytes")


CHECKERS = {
    "object": _object,
    "ref": _ref,
    "union": _union,
    "array": _array,
    "string": _string,
    "integer": _integer,
    "boolean": _boolean,
    "blob": _blob,
}
