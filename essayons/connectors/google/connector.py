"""A Google Business Profile location: "local posts", an update (STANDARD) or an offer (OFFER).

An update carries a "Learn more" button to the link; an offer carries the coupon code, the link
to redeem it online and its period (`event`, required for offers; `callToAction` is ignored
for them): https://developers.google.com/my-business/reference/rest/v4/accounts.locations.localPosts
and https://developers.google.com/my-business/content/posts-data. One photo at most, fetched by
Google from its public address.

Creating a local post is not idempotent, so an unknown outcome is settled by listing the
location's posts since the attempt.

Reviews (the inbox): polled newest first with a resumable cursor (reviews.py says how), and
answered with `PUT …/reviews/{id}/reply`, an upsert: "A reply is created if one does not exist"
(https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews/updateReply),
so sending the same reply twice leaves one reply. Both are "only valid if the specified location
is verified"; an unverified location answers 404 NOT_FOUND, which is Rejected.

`Outgoing.extra` may carry `language` (default "fr"), and for offers `offer_title` (58
characters at most, default: the first line of the text), `offer_start` and `offer_end`
(YYYY-MM-DD, default: today and a week later) and `offer_terms`.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from essayons.connectors import services
from essayons.connectors.base import (
    Account,
    Connector,
    InboxPage,
    Limits,
    Outgoing,
    Published,
    Reconciliation,
    ReplyTarget,
)
from essayons.connectors.content import content_check
from essayons.connectors.errors import AuthExpired, Rejected
from essayons.connectors.flow import Candidate, settings_present
from essayons.connectors.google import client as gbp
from essayons.connectors.google import reviews
from essayons.connectors.google.client import GoogleClient, parse_time
from essayons.connectors.media import image_public_url
from essayons.connectors.models import ConnectionStatus

# Third-party but consistent: offer and event titles are cut at 58 characters
# (https://docs.postsyncer.com/platforms/google-business-profile).
OFFER_TITLE_MAX = 58
OFFER_DAYS = 7
CLOCK_SKEW = timedelta(minutes=5)

log = logging.getLogger(__name__)


class GoogleLogin:
    kind = "google"
    setting_names = ("GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET")
    no_account_message = _(
        "We found no business listing on this Google account. Sign in with the Google account "
        "that manages your listing, then try again."
    )

    def is_configured(self) -> bool:
        return settings_present(*self.setting_names)

    def authorize_url(self, *, state: str, code_challenge: str, redirect_uri: str) -> str:
        return gbp.authorize_url(
            state=state, code_challenge=code_challenge, redirect_uri=redirect_uri
        )

    def candidates(self, *, code: str, verifier: str, redirect_uri: str) -> list[Candidate]:
        credentials, expires_at = gbp.code_exchange(
            code=code, verifier=verifier, redirect_uri=redirect_uri
        )
        client = GoogleClient(credentials=credentials)
        return [
            Candidate(
                account_id=location["name"],
                name=location["title"],
                url=location["url"],
                credentials=client.credentials,
                expires_at=expires_at,
            )
            for location in gbp.locations_of(client)
        ]


class GoogleConnector(Connector):
    kind = "google"
    label = _("Google Business Profile")
    limits = Limits(max_length=1_500, max_images=1)
    reconciliation = Reconciliation.FEED_LOOKUP
    supports_inbox = True
    supports_reply = True
    inbox_kinds = (reviews.KIND,)
    reply_reconciliation = Reconciliation.UPSERT
    oauth: ClassVar[GoogleLogin] = GoogleLogin()

    def verify(self) -> Account:
        location = self.connection.account_id.split("/locations/")[-1]
        found = self._client().get(
            f"{gbp.INFO_URL}/locations/{location}", {"readMask": "name,title,metadata"}
        )
        raw = found.get("metadata")
        metadata: dict[str, Any] = raw if isinstance(raw, dict) else {}
        return Account(
            remote_id=self.connection.account_id,
            name=str(found.get("title", "")),
            url=str(metadata.get("mapsUri", "")),
        )

    def publish(self, post: Outgoing) -> Published:
        content_check(self.limits, post, network=self.kind)
        body = self.local_post(post)
        created = self._client().post(
            f"{gbp.POSTS_URL}/{self.connection.account_id}/localPosts", body
        )
        return Published(
            remote_id=str(created.get("name", "")), url=str(created.get("searchUrl", ""))
        )

    def find_published(self, post: Outgoing, *, since: datetime) -> Published | None:
        wanted = " ".join(post.text.split())
        for item in gbp.local_posts(self._client(), self.connection.account_id):
            created = parse_time(item.get("createTime"))
            if created is not None and created < since - CLOCK_SKEW:
                continue
            if " ".join(str(item.get("summary", "")).split()) == wanted:
                return Published(
                    remote_id=str(item.get("name", "")), url=str(item.get("searchUrl", ""))
                )
        return None

    def permalink_check(self, published: Published) -> bool:
        try:
            found = self._client().get(f"{gbp.POSTS_URL}/{published.remote_id}")
        except Rejected:
            return False
        return found.get("state") in ("LIVE", "PROCESSING")

    # --- reviews ------------------------------------------------------------------------------

    def reply(self, *, target: ReplyTarget, text: str, attempt_key: str) -> Published:
        """PUT the reply on the review named by `target.remote_id`. Google has no idempotency key
        and needs none: the PUT replaces, so `attempt_key` is not sent."""
        name = self._review_name(target)
        reviews.reply_check(text)
        # https://developers.google.com/my-business/content/review-data#reply_to_a_review
        self._client().put(f"{gbp.POSTS_URL}/{name}/reply", {"comment": text})
        return Published(remote_id=f"{name}/reply")

    def find_reply(
        self, *, target: ReplyTarget, text: str, attempt_key: str, since: datetime
    ) -> Published | None:
        """GET the review and look at its reviewReply (reviews.reply_found says what each case
        means). None is safe here: a second PUT of the same text replaces, it does not add."""
        name = self._review_name(target)
        try:
            review = self._client().get(f"{gbp.POSTS_URL}/{name}")
        except Rejected as error:
            if error.code == "NOT_FOUND":  # the review is gone: no reply of ours can be there
                return None
            raise
        return reviews.reply_found(review, name=name, text=text, since=since)

    def inbox_poll(self, *, kind: str, cursor: str) -> InboxPage:
        """One page (50 reviews at most) of the walk `cursor` describes; see reviews.py."""
        if kind not in self.inbox_kinds:
            raise Rejected(f"nothing to poll as {kind!r}", code="unknown_kind", network=self.kind)
        walk = reviews.Walk.read(cursor, now=timezone.now())
        answer = self._reviews_fetch(page=walk.page)
        return reviews.page_read(answer, walk=walk, location=self.connection.account_id)

    def _reviews_fetch(self, *, page: str) -> dict[str, Any]:
        # https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews/list
        url = f"{gbp.POSTS_URL}/{self.connection.account_id}/reviews"
        params: dict[str, Any] = {"pageSize": reviews.PAGE_SIZE, "orderBy": "updateTime desc"}
        client = self._client()
        if page:
            try:
                return client.get(url, {**params, "pageToken": page})
            except Rejected as error:
                if error.code != "INVALID_ARGUMENT":
                    raise
                # A page token that no longer works (Google does not say how long one lasts):
                # walk again from the newest review with the same `until` and `top`, which
                # re-reads (the inbox skips those) rather than stays stuck or skips.
                log.warning("google reviews: page token refused, walking again from the top")
        return client.get(url, params)

    # --- disconnecting ------------------------------------------------------------------------

    def revoke(self) -> None:
        """Revoke the refresh token at Google, which ends the whole grant: its access tokens
        stop working too (gbp.token_revoke). No refresh first: a revocation needs no access.

        One grant may serve several connections (one Google login, several locations of the
        same Business Profile account, connected to several businesses here): revoking it would
        cut the others too. Then the token is only forgotten, not revoked.
        """
        if self._grant_shared():
            return
        credentials = self.connection.credentials
        token = str(credentials.get("refresh_token") or credentials.get("access_token") or "")
        if token:
            gbp.token_revoke(token)

    def _grant_shared(self) -> bool:
        account = self.connection.account_id.split("/locations/", 1)[0]  # accounts/{id}
        return (
            type(self.connection)
            .objects.filter(
                kind=self.kind,
                status=ConnectionStatus.ACTIVE,
                account_id__startswith=account + "/locations/",
            )
            .exclude(pk=self.connection.pk)
            .exists()
        )

    def _review_name(self, target: ReplyTarget) -> str:
        name = target.remote_id
        if not reviews.name_belongs(name, location=self.connection.account_id):
            raise Rejected("not a review of this location", code="bad_target", network=self.kind)
        return name

    def local_post(self, post: Outgoing) -> dict[str, Any]:
        """The LocalPost body for `post` (an update, or an offer when post.kind == "offer")."""
        body: dict[str, Any] = {
            "languageCode": post.extra.get("language", "fr"),
            "summary": post.text,
            "topicType": "STANDARD",
        }
        if post.images:
            body["media"] = [
                {
                    "mediaFormat": "PHOTO",
                    "sourceUrl": image_public_url(post.images[0], network=self.kind),
                }
            ]
        if post.kind == "offer":
            body["topicType"] = "OFFER"
            body["event"] = _offer_period(post)
            offer = {
                "couponCode": post.coupon_code,
                "redeemOnlineUrl": post.link,
                "termsConditions": post.extra.get("offer_terms", ""),
            }
            body["offer"] = {key: value for key, value in offer.items() if value}
        elif post.link:
            body["callToAction"] = {"actionType": "LEARN_MORE", "url": post.link}
        return body

    def _client(self) -> GoogleClient:
        credentials = self.connection.credentials
        if not credentials.get("refresh_token"):
            raise AuthExpired("no refresh token stored", code="no_token", network=self.kind)
        return GoogleClient(
            credentials={str(k): str(v) for k, v in credentials.items()}, on_refresh=self._keep
        )

    def _keep(self, credentials: dict[str, str]) -> None:
        services.connection_credentials_update(
            connection=self.connection,
            credentials=credentials,
            expires_at=self.connection.expires_at,
        )


def _offer_period(post: Outgoing) -> dict[str, Any]:
    start = _parse_date(post.extra.get("offer_start")) or timezone.localdate()
    end = _parse_date(post.extra.get("offer_end")) or start + timedelta(days=OFFER_DAYS)
    title = post.extra.get("offer_title") or (post.text.strip().splitlines() or [""])[0]
    return {
        "title": title[:OFFER_TITLE_MAX],
        "schedule": {"startDate": _google_date(start), "endDate": _google_date(max(end, start))},
    }


def _google_date(day: date) -> dict[str, int]:
    return {"year": day.year, "month": day.month, "day": day.day}


def _parse_date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
