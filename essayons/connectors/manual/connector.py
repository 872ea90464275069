"""The manual channel: for a network without an API, or not connected, a person posts by hand.

At the due time the engine hands the delivery over instead of calling a network
(publishing/services/send.py, `supports_publish = False`): the owner gets a notification and an
e-mail with the text, and this folder's page to copy the text and photos and to say "I posted
it" with the link, which marks the delivery published. It is not in the registry: there is no
account to connect.
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from essayons.connectors.base import (
    Account,
    Connector,
    Limits,
    Outgoing,
    Published,
    Reconciliation,
)
from essayons.connectors.errors import Rejected, UnknownOutcome


class ManualConnector(Connector):
    kind = "manual"
    label = _("By hand")
    limits = Limits(max_length=None, max_images=20)
    reconciliation = Reconciliation.HUMAN
    supports_publish = False

    def verify(self) -> Account:
        return Account(remote_id="", name=str(self.label))

    def publish(self, post: Outgoing) -> Published:
        raise Rejected("a person posts this one by hand", code="manual", network=self.kind)

    def find_published(self, post: Outgoing, *, since: datetime) -> Published | None:
        raise UnknownOutcome(
            "only the person who posted it knows", code="manual", network=self.kind
        )

    def permalink_check(self, published: Published) -> bool:
        """The person gave the link themselves; nothing to ask a network."""
        return bool(published.url)
