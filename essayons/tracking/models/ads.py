"""Ad spend: Meta Ads Manager imports, Insights API sync, manual entries."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from essayons.accounts.models import Business
from essayons.diagnostic.channels import Channel
from essayons.lib import crypto
from essayons.tracking.models.links import Campaign
from essayons.tracking.models.sales import ImportBatch

__all__ = ["AdSource", "AdSpend", "MetaAdAccount"]


class AdSource(models.TextChoices):
    EXPORT = "export", _("Ads Manager export")
    API = "api", _("Meta synchronisation")
    MANUAL = "manual", _("Entered by hand")


class AdSpend(models.Model):
    """What the network reports for one ad campaign (or ad, or boosted post) over one period.

    Rows are kept per reporting period because reach is not additive: 150,000 people reached
    over two weeks is not the sum of the daily reaches. The natural key is the network's
    campaign (its normalised name, or its id from the API), the finer object if any, and the
    period; importing the same rows again, from a file or from the API, updates them in place.
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE)
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True)
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.FACEBOOK
    )
    source = models.CharField(max_length=20, choices=AdSource.choices)
    ad_campaign_name = models.CharField(_("campaign name at the network"), max_length=200)
    ad_campaign_key = models.CharField(max_length=200)
    object_name = models.CharField(_("ad or post"), max_length=200, blank=True)
    object_key = models.CharField(max_length=200, blank=True)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    currency = models.CharField(max_length=3)
    spend = models.DecimalField(_("amount spent"), max_digits=12, decimal_places=2)
    reach = models.PositiveBigIntegerField(_("reach"), null=True, blank=True)
    impressions = models.PositiveBigIntegerField(_("impressions"), null=True, blank=True)
    link_clicks = models.PositiveBigIntegerField(_("link clicks"), null=True, blank=True)
    page_likes = models.PositiveBigIntegerField(_("page likes"), null=True, blank=True)
    purchases = models.PositiveBigIntegerField(_("purchases"), null=True, blank=True)
    batch = models.ForeignKey(ImportBatch, on_delete=models.SET_NULL, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "ad_campaign_key", "object_key", "period_start", "period_end"],
                name="ad_spend_once_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="ad_spend_period_in_order",
            ),
        ]
        indexes = [models.Index(fields=["business", "period_start"])]
        ordering = ["period_start", "ad_campaign_name"]

    def __str__(self) -> str:
        return f"{self.ad_campaign_name} {self.period_start}–{self.period_end}"


class MetaAdAccount(models.Model):
    """A Meta ad account synchronised through the Insights API; its token is encrypted."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE)
    account_id = models.CharField(_("ad account number"), max_length=40)
    token_encrypted = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    synced_until = models.DateField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "account_id"], name="meta_account_once")
        ]

    def __str__(self) -> str:
        return f"act_{self.account_id}"

    def token_set(self, token: str) -> None:
        self.token_encrypted = crypto.encrypt(token)

    def token(self) -> str:
        return crypto.decrypt(self.token_encrypted)
