"""Promo codes, what the cashier records at the till, and "how did you hear of us?"."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from essayons.accounts.models import Business
from essayons.diagnostic.channels import Channel
from essayons.tracking.models.links import Campaign

__all__ = ["DeclaredSource", "HeardFrom", "PromoCode", "Redemption"]


class PromoCode(models.Model):
    """A code typed at the till (e.g. GALETTE27); `uses` is bumped by conditional update."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE)
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True)
    code = models.CharField(_("code"), max_length=32)
    description = models.CharField(_("what it gives"), max_length=200, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    single_use = models.BooleanField(_("single use"), default=False)
    max_uses = models.PositiveIntegerField(_("maximum uses"), null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    for_email = models.EmailField(_("reserved for this customer"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "code"], name="promo_code_per_business")
        ]

    def __str__(self) -> str:
        return self.code


class Redemption(models.Model):
    """A code used at the till with the basket amount; `client_key` makes a retried tap count once."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE)
    promo_code = models.ForeignKey(PromoCode, on_delete=models.PROTECT)
    at = models.DateTimeField(db_index=True)
    amount = models.DecimalField(_("basket amount"), max_digits=10, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    client_key = models.UUIDField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "client_key"], name="redemption_once")
        ]
        indexes = [models.Index(fields=["business", "at"])]

    def __str__(self) -> str:
        return f"{self.promo_code_id} {self.amount}"


class HeardFrom(models.TextChoices):
    FACEBOOK = "facebook", _("Facebook")
    INSTAGRAM = "instagram", _("Instagram")
    GOOGLE = "google", _("Google")
    FRIEND = "friend", _("A friend, family")
    PASSING_BY = "passing_by", _("Passing by")
    PRESS = "press", _("Newspaper, radio")
    OTHER = "other", _("Other")


class DeclaredSource(models.Model):
    """A customer's answer to "how did you hear of us?": declared, never counted as measured."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE)
    source = models.CharField(max_length=20, choices=HeardFrom.choices)
    at = models.DateTimeField(db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    client_key = models.UUIDField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "client_key"], name="declared_source_once")
        ]

    def __str__(self) -> str:
        return self.source
