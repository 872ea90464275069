"""A LinkedIn organisation page: posts written as the organisation (Posts API).

Text posts, an article card for the link, or images (uploaded first through the Images API,
the link then going at the end of the text). LinkedIn documents no idempotency key and reading
posts back may need a permission the app lacks, so an unknown outcome is handed to the owner
(find_published raises UnknownOutcome) rather than guessed (CONTRACTS.md §1.7, §3.1).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

from essayons.connectors import services
from essayons.connectors.base import Account, Connector, Limits, Outgoing, Published, Reconciliation
from essayons.connectors.content import content_check, text_with_link
from essayons.connectors.errors import AuthExpired, Rejected, UnknownOutcome
from essayons.connectors.flow import Candidate, settings_present
from essayons.connectors.linkedin import client as li
from essayons.connectors.linkedin.client import LinkedInClient
from essayons.connectors.media import image_bytes


class LinkedInLogin:
    kind = "linkedin"
    setting_names = ("LINKEDIN_CLIENT_ID", "LINKEDIN_CLIENT_SECRET")
    no_account_message = _(
        "We found no LinkedIn page you can post for. You must be an administrator (or content "
        "administrator) of the company page; ask its administrator, then try again."
    )

    def is_configured(self) -> bool:
        return settings_present(*self.setting_names)

    def authorize_url(self, *, state: str, code_challenge: str, redirect_uri: str) -> str:
        return li.authorize_url(state=state, redirect_uri=redirect_uri)

    def candidates(self, *, code: str, verifier: str, redirect_uri: str) -> list[Candidate]:
        credentials, reconnect_by = li.code_exchange(code=code, redirect_uri=redirect_uri)
        client = LinkedInClient(credentials=credentials)
        return [
            Candidate(
                account_id=organisation["urn"],
                name=organisation["name"],
                url=organisation["url"],
                credentials=credentials,
                expires_at=reconnect_by,
            )
            for organisation in li.organisations(client)
        ]


class LinkedInConnector(Connector):
    kind = "linkedin"
    label = _("LinkedIn page")
    limits = Limits(max_length=3_000, max_images=20)
    reconciliation = Reconciliation.HUMAN
    oauth: ClassVar[LinkedInLogin] = LinkedInLogin()

    def verify(self) -> Account:
        organisation_id = self.connection.account_id.rsplit(":", 1)[-1]
        found = li.json_of(self._client().get(f"organizations/{organisation_id}"))
        vanity = str(found.get("vanityName", ""))
        return Account(
            remote_id=self.connection.account_id,
            name=str(found.get("localizedName", "")),
            url=f"https://www.linkedin.com/company/{vanity}/" if vanity else "",
        )

    def publish(self, post: Outgoing) -> Published:
        content_check(self.limits, post, network=self.kind)
        client = self._client()
        response = client.post("posts", self.post_body(post, self._images(client, post)))
        urn = response.headers.get("x-restli-id") or str(li.json_of(response).get("id", ""))
        if not urn:
            raise UnknownOutcome("no post id in the answer", code="no_id", network=self.kind)
        return Published(remote_id=urn, url=f"https://www.linkedin.com/feed/update/{urn}/")

    def find_published(self, post: Outgoing, *, since: datetime) -> Published | None:
        raise UnknownOutcome(
            "LinkedIn cannot tell whether the post went out", code="human", network=self.kind
        )

    def permalink_check(self, published: Published) -> bool:
        try:
            self._client().get(f"posts/{li.urn_path(published.remote_id)}")
        except Rejected as error:
            if error.code in ("404", "NOT_FOUND"):
                return False
            raise  # e.g. 403: we may not read it back, which says nothing about the post
        return True

    def revoke(self) -> None:
        """Nothing to call: LinkedIn documents no revocation endpoint for apps. Its OAuth pages
        describe the code flow, refresh tokens and token introspection only
        (https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow,
        https://learn.microsoft.com/en-us/linkedin/shared/authentication/token-introspection);
        an undocumented endpoint could change or vanish unannounced. The token is forgotten
        here and ends on its own (60 days, a year for a refresh token); the member can remove
        the app in LinkedIn's settings, under Permitted services."""
        return None

    def post_body(self, post: Outgoing, images: list[tuple[str, str]]) -> dict[str, Any]:
        """The Posts API body; `images` are (image URN, alt text) already uploaded."""
        text = text_with_link(post) if images else post.text
        body: dict[str, Any] = {
            "author": self.connection.account_id,
            "commentary": li.commentary(text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if len(images) == 1:
            body["content"] = {"media": {"id": images[0][0], "altText": images[0][1]}}
        elif images:
            body["content"] = {
                "multiImage": {"images": [{"id": urn, "altText": alt} for urn, alt in images]}
            }
        elif post.link:
            title = post.extra.get("link_title") or urlsplit(post.link).hostname or post.link
            body["content"] = {"article": {"source": post.link, "title": title}}
        return body

    def _images(self, client: LinkedInClient, post: Outgoing) -> list[tuple[str, str]]:
        """Upload each image (Images API: initializeUpload then PUT the bytes):
        https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api"""
        uploaded = []
        for image in post.images:
            started = li.json_of(
                client.post(
                    "images?action=initializeUpload",
                    {"initializeUploadRequest": {"owner": self.connection.account_id}},
                    side_effect=False,
                )
            ).get("value", {})
            if not started.get("uploadUrl") or not started.get("image"):
                raise Rejected("no upload address", code="image_upload", network=self.kind)
            client.upload(str(started["uploadUrl"]), image_bytes(image), image.mime_type)
            uploaded.append((str(started["image"]), image.alt))
        return uploaded

    def _client(self) -> LinkedInClient:
        credentials = self.connection.credentials
        if not credentials.get("access_token"):
            raise AuthExpired("no token stored", code="no_token", network=self.kind)
        return LinkedInClient(
            credentials={str(k): str(v) for k, v in credentials.items()}, on_refresh=self._keep
        )

    def _keep(self, credentials: dict[str, str], reconnect_by: datetime) -> None:
        services.connection_credentials_update(
            connection=self.connection, credentials=credentials, expires_at=reconnect_by
        )
