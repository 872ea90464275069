"""Online orders (WooCommerce, Shopify, CSV) and the files and deliveries they arrive by."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from essayons.accounts.models import Business
from essayons.lib import crypto

__all__ = [
    "ImportBatch",
    "ImportKind",
    "ImportState",
    "Order",
    "OrderSource",
    "OrderStatus",
    "ShopConnection",
    "ShopPlatform",
    "WebhookDelivery",
]


class ShopPlatform(models.TextChoices):
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    SHOPIFY = "shopify", "Shopify"


def hook_id_new() -> str:
    """The opaque part of a webhook URL: random, so that URLs cannot be guessed or enumerated."""
    return secrets.token_urlsafe(18)


class ShopConnection(models.Model):
    """An online shop that sends its orders to /webhooks/<platform>/<hook_id>/.

    The signing secret is encrypted at rest (essayons.lib.crypto) and never shown again.
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE)
    platform = models.CharField(_("shop software"), max_length=20, choices=ShopPlatform.choices)
    label = models.CharField(_("shop address"), max_length=200)
    hook_id = models.CharField(max_length=32, unique=True, default=hook_id_new, editable=False)
    secret_encrypted = models.TextField(editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_delivery_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} · {self.label}"

    def secret_set(self, secret: str) -> None:
        self.secret_encrypted = crypto.encrypt(secret)

    def secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted)


class OrderSource(models.TextChoices):
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    SHOPIFY = "shopify", "Shopify"
    CSV = "csv", _("File import")


class OrderStatus(models.TextChoices):
    """Only PAID orders count as sales; the others are kept so a later update can count them."""

    PAID = "paid", _("Paid")
    PENDING = "pending", _("Awaiting payment")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


class Order(models.Model):
    """One online order, upserted on (business, source, external_id).

    `placed_on` and `placed_month` are the local date and month of `placed_at` in the
    business's time zone, stored so the results group by them without a time-zone function.
    `source_updated_at` is the shop's own modification time: an older delivery never
    overwrites a newer one. Attribution to a campaign is computed when results are read
    (essayons.tracking.attribution), from the UTM parameters and codes kept here.
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE)
    source = models.CharField(max_length=20, choices=OrderSource.choices)
    connection = models.ForeignKey(ShopConnection, on_delete=models.SET_NULL, null=True, blank=True)
    external_id = models.CharField(max_length=64)
    number = models.CharField(_("order number"), max_length=64, blank=True)
    placed_at = models.DateTimeField(_("placed at"))
    placed_on = models.DateField()
    placed_month = models.DateField()
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices)
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    utm_content = models.CharField(max_length=100, blank=True)
    coupon_codes = models.CharField(_("promo codes"), max_length=200, blank=True)
    landing_url = models.CharField(max_length=500, blank=True)
    referrer = models.CharField(max_length=500, blank=True)
    source_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "source", "external_id"], name="order_once_per_source"
            )
        ]
        indexes = [models.Index(fields=["business", "placed_on"])]
        ordering = ["-placed_at"]

    def __str__(self) -> str:
        return f"{self.number or self.external_id} · {self.total} {self.currency}"

    @property
    def coupon_list(self) -> list[str]:
        return [code for code in self.coupon_codes.split(",") if code]


class WebhookDelivery(models.Model):
    """A signed delivery accepted from a shop; its `dedupe_key` makes a redelivery a no-op.

    Shopify: the X-Shopify-Webhook-Id header, the same across retries. WooCommerce: its
    Delivery-ID is new on every attempt, so the key is "<order id>:<topic>:<date_modified>"
    (CONTRACTS.md §1.8). `order_data` holds only the fields we keep, never the customer's
    name or address from the payload.
    """

    class Outcome(models.TextChoices):
        RECEIVED = "received", _("Received")
        APPLIED = "applied", _("Recorded")
        STALE = "stale", _("Older than what we have: ignored")

    connection = models.ForeignKey(ShopConnection, on_delete=models.CASCADE)
    dedupe_key = models.CharField(max_length=200)
    topic = models.CharField(max_length=60)
    order_data = models.JSONField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.RECEIVED)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "dedupe_key"], name="delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.dedupe_key}"


class ImportKind(models.TextChoices):
    ORDERS = "orders", _("Online orders")
    ADS = "ads", _("Ad spend")


class ImportState(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    APPLIED = "applied", _("Imported")


class ImportBatch(models.Model):
    """An uploaded file, kept between the preview and the confirmation.

    Once applied, its SHA-256 stays so the same file imported again changes nothing; the
    content is then dropped.
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE)
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    state = models.CharField(
        max_length=20, choices=ImportState.choices, default=ImportState.PENDING
    )
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField(default=b"")
    mapping = models.JSONField(default=dict)
    rows = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "kind", "sha256"],
                condition=models.Q(state="applied"),
                name="import_file_once",
            )
        ]

    def __str__(self) -> str:
        return self.filename
