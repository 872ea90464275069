"""Instagram's content publishing calls, on Meta's Graph API (facebook/client.py does the HTTP,
the token header and the error mapping).

Flow (https://developers.facebook.com/docs/instagram-platform/content-publishing/):
`POST /{ig-user-id}/media` makes a container (Instagram fetches the image from its public URL),
`GET /{container-id}?fields=status_code` until FINISHED, then `POST /{ig-user-id}/media_publish`
with `creation_id`. A container not published within 24 hours is EXPIRED; PUBLISHED says the
publish happened, which is how an unknown outcome is settled
(https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from essayons.connectors.facebook.client import GraphClient, graph_time

# The documented defaults, used only when the answer leaves them out
# (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/content_publishing_limit).
DEFAULT_QUOTA_TOTAL = 50
DEFAULT_QUOTA_SECONDS = 86_400


class ContainerStatus(StrEnum):
    EXPIRED = "EXPIRED"
    ERROR = "ERROR"
    FINISHED = "FINISHED"
    IN_PROGRESS = "IN_PROGRESS"
    PUBLISHED = "PUBLISHED"


@dataclass(frozen=True)
class Quota:
    usage: int
    total: int
    seconds: int

    @property
    def reached(self) -> bool:
        return self.usage >= self.total


@dataclass(frozen=True)
class Media:
    id: str
    caption: str
    permalink: str
    timestamp: datetime | None


def container_create(
    client: GraphClient, ig_user: str, *, image_urls: list[str], caption: str, alt: list[str]
) -> str:
    """One image container, or a carousel of image items; nobody sees a container, so a retry
    is harmless (side_effect=False)."""
    if len(image_urls) == 1:
        data = {"image_url": image_urls[0], "caption": caption}
        if alt and alt[0]:
            data["alt_text"] = alt[0]
        return str(client.post(f"{ig_user}/media", data, side_effect=False)["id"])
    children = []
    for index, url in enumerate(image_urls):
        data = {"image_url": url, "is_carousel_item": "true"}
        if index < len(alt) and alt[index]:
            data["alt_text"] = alt[index]
        children.append(str(client.post(f"{ig_user}/media", data, side_effect=False)["id"]))
    carousel = {"media_type": "CAROUSEL", "children": ",".join(children), "caption": caption}
    return str(client.post(f"{ig_user}/media", carousel, side_effect=False)["id"])


def container_status(client: GraphClient, container: str) -> tuple[ContainerStatus, str]:
    """The container's status_code, and `status` (the error subcode when ERROR)."""
    answer = client.get(container, {"fields": "status_code,status"})
    try:
        code = ContainerStatus(str(answer.get("status_code", "")))
    except ValueError:
        code = ContainerStatus.IN_PROGRESS
    return code, str(answer.get("status", ""))


def media_publish(client: GraphClient, ig_user: str, container: str) -> str:
    return str(client.post(f"{ig_user}/media_publish", {"creation_id": container})["id"])


def publishing_quota(client: GraphClient, ig_user: str) -> Quota:
    answer = client.get(f"{ig_user}/content_publishing_limit", {"fields": "quota_usage,config"})
    rows = answer.get("data") or [{}]
    row: dict[str, Any] = rows[0] if isinstance(rows[0], dict) else {}
    raw = row.get("config")
    config: dict[str, Any] = raw if isinstance(raw, dict) else {}
    return Quota(
        usage=int(row.get("quota_usage") or 0),
        total=int(config.get("quota_total") or DEFAULT_QUOTA_TOTAL),
        seconds=int(config.get("quota_duration") or DEFAULT_QUOTA_SECONDS),
    )


def recent_media(client: GraphClient, ig_user: str, *, pages: int = 2) -> list[Media]:
    """The account's latest posts, newest first."""
    items = client.pages(
        f"{ig_user}/media",
        {"fields": "id,caption,permalink,timestamp", "limit": 25},
        max_pages=pages,
    )
    return [
        Media(
            id=str(item["id"]),
            caption=str(item.get("caption", "")),
            permalink=str(item.get("permalink", "")),
            timestamp=graph_time(item.get("timestamp")),
        )
        for item in items
        if item.get("id")
    ]


def quota_frees_at(media: list[Media], quota: Quota, now: datetime) -> datetime | None:
    """When the oldest post still counted in the moving window leaves it, or None if unknown.

    The window counts API posts only and the media list shows every post, so this can be
    early: the next attempt reads the quota again and waits again, never loops hot.
    """
    window = timedelta(seconds=quota.seconds)
    counted = [m.timestamp for m in media if m.timestamp and m.timestamp > now - window]
    if not counted:
        return None
    frees = min(counted) + window
    return frees if frees > now else None
