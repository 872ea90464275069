"""Campaigns, tracked short links and the clicks on them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from essayons.accounts.models import Business
from essayons.diagnostic.channels import Channel

__all__ = ["Campaign", "Click", "Medium", "TrackedLink"]


class Medium(models.TextChoices):
    """What kind of place a link is shown in: the default utm_medium."""

    SOCIAL = "social", _("A post on a social network")
    AD = "ad", _("A paid ad")
    EMAIL = "email", _("An e-mail")
    PRINT = "print", _("Print: poster, flyer, receipt (QR code)")


class Campaign(models.Model):
    """What links, codes, orders and ad spend are grouped by (the UTM campaign)."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE)
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("campaign code in links (utm_campaign)"), max_length=80)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    starts_on = models.DateField(_("start"), null=True, blank=True)
    ends_on = models.DateField(_("end"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "slug"], name="campaign_slug_per_business")
        ]
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name


class TrackedLink(models.Model):
    """A short link /r/<code> that redirects (302) to `destination` with UTM parameters."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE)
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True)
    code = models.CharField(max_length=16, unique=True)
    destination = models.URLField(_("destination"), max_length=2000)
    label = models.CharField(_("label"), max_length=120, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    utm_content = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.code


class Click(models.Model):
    """One follow of a tracked link; bots are flagged, not dropped; IPs are anonymised."""

    link = models.ForeignKey(TrackedLink, on_delete=models.CASCADE)
    at = models.DateTimeField(db_index=True)
    is_bot = models.BooleanField(default=False)
    ip_prefix = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    referrer = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["link", "at"])]

    def __str__(self) -> str:
        return f"{self.link_id} @ {self.at:%Y-%m-%d %H:%M}"
