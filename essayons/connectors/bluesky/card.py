"""The link card of a Bluesky post: the client reads the page and uploads the thumbnail itself.

Bluesky does not fetch links ("website card embeds" in
https://docs.bsky.app/docs/advanced-guides/posts): the post carries
`app.bsky.embed.external {uri, title, description, thumb?}`. Fetching an owner-typed URL
is an SSRF surface (CONTRACTS.md §3.4), so both the page and its image go through lib/http's
guard, capped in size and time. A page that cannot be read still gets a
plain card (title = the address); a card never stops a post.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from essayons.lib import http

PAGE_MAX_BYTES = 1_000_000
THUMB_MAX_BYTES = 1_000_000  # app.bsky.embed.external#external.thumb maxSize
TIMEOUT = 5.0
TITLE_MAX = 300
DESCRIPTION_MAX = 1000


@dataclass(frozen=True)
class Card:
    uri: str
    title: str
    description: str
    image_url: str = ""


@dataclass(frozen=True)
class Thumb:
    data: bytes
    mime_type: str


class _MetaReader(HTMLParser):
    """Collects og:title, og:description, og:image and <title> from the page's head."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "meta":
            key = (values.get("property") or values.get("name") or "").lower()
            if key in {"og:title", "og:description", "og:image", "description"}:
                self.meta.setdefault(key, values.get("content", "").strip())
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def card_fetch(url: str) -> Card:
    """The card for `url`; on any failure a plain card naming the address."""
    plain = Card(uri=url, title=urlsplit(url).netloc or url, description="")
    try:
        response = http.get(url, timeout=TIMEOUT, max_bytes=PAGE_MAX_BYTES)
    except http.HttpError:
        return plain
    if not response.ok or "html" not in response.headers.get("content-type", "html"):
        return plain
    reader = _MetaReader()
    try:
        reader.feed(response.text)
    except (ValueError, AssertionError):
        return plain
    title = reader.meta.get("og:title") or " ".join(reader.title.split()) or plain.title
    description = reader.meta.get("og:description") or reader.meta.get("description", "")
    image = reader.meta.get("og:image", "")
    return Card(
        uri=url,
        title=title[:TITLE_MAX],
        description=description[:DESCRIPTION_MAX],
        image_url=urljoin(response.url or url, image) if image else "",
    )


def thumb_fetch(card: Card) -> Thumb | None:
    """The card's image if it is an image under the lexicon's 1 MB; None otherwise."""
    if not card.image_url:
        return None
    try:
        response = http.get(card.image_url, timeout=TIMEOUT, max_bytes=THUMB_MAX_BYTES)
    except http.HttpError:
        return None
    mime_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if not response.ok or not mime_type.startswith("image/") or not response.body:
        return None
    return Thumb(data=response.body, mime_type=mime_type)
