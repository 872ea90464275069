from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from essayons.accounts.models import Business
from essayons.lib import crypto


class ConnectionStatus(models.TextChoices):
    ACTIVE = "active", _("Working")
    NEEDS_RECONNECT = "needs_reconnect", _("Needs reconnecting")
    DISABLED = "disabled", _("Disconnected")


class Connection(models.Model):
    """One business's account on one network. Credentials are encrypted at rest (lib/crypto)."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="connections")
    kind = models.CharField(_("network"), max_length=20)
    status = models.CharField(
        max_length=20, choices=ConnectionStatus.choices, default=ConnectionStatus.ACTIVE
    )
    account_id = models.CharField(max_length=255)
    account_name = models.CharField(_("account"), max_length=255)
    account_url = models.URLField(max_length=500, blank=True)
    instance_url = models.URLField(max_length=300, blank=True)
    credentials_encrypted = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    limits = models.JSONField(default=dict, blank=True)
    last_error_code = models.CharField(max_length=80, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_verified_at = models.DateTimeField(null=True, blank=True)
    # The `expires_at` the owner was last warned about: one warning per expiry, never daily.
    expiry_warned_for = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "kind", "account_id"], name="one_connection_per_account"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.account_name}"

    @property
    def credentials(self) -> dict[str, Any]:
        if not self.credentials_encrypted:
            return {}
        loaded: dict[str, Any] = json.loads(crypto.decrypt(self.credentials_encrypted))
        return loaded

    @credentials.setter
    def credentials(self, value: dict[str, Any]) -> None:
        self.credentials_encrypted = crypto.encrypt(json.dumps(value))


class RemoteDraft(models.Model):
    """A network-side object made before the publish itself (an Instagram media container).

    Saved before the publishing call, so that a retry reuses it (or replaces it once it has
    expired) and reconciliation can ask the network what became of it (CONTRACTS.md §3.1).
    The latest row for an attempt is the current one.
    """

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    attempt_key = models.CharField(max_length=100)
    remote_id = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["connection", "attempt_key"])]

    def __str__(self) -> str:
        return f"{self.connection_id} · {self.attempt_key} · {self.remote_id}"


class MastodonApp(models.Model):
    """Essayons registered as an OAuth client on one Mastodon instance (POST /api/v1/apps).

    One row per instance, shared by every business connecting an account there; the client
    secret is encrypted at rest like the tokens.
    """

    instance_url = models.URLField(max_length=300, unique=True)
    redirect_uri = models.URLField(max_length=500)
    client_id = models.CharField(max_length=255)
    client_secret_encrypted = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.instance_url

    @property
    def client_secret(self) -> str:
        return crypto.decrypt(self.client_secret_encrypted)

    @client_secret.setter
    def client_secret(self, value: str) -> None:
        self.client_secret_encrypted = crypto.encrypt(value)
