"""The charte ("Ma marque en clair"): how the business speaks, on one page."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from essayons.accounts.models import Business

TERM_SEPARATORS = re.compile(r"[\r\n,;]+")


def split_terms(text: str) -> list[str]:
    """The words or phrases of a list field: one per line, or separated by commas."""
    return [term.strip(" .«»\"'") for term in TERM_SEPARATORS.split(text) if term.strip(" .«»\"'")]


class AddressForm(models.TextChoices):
    VOUS = "vous", _("“Vous” (polite)")
    TU = "tu", _("“Tu” (familiar)")


class EmojiUse(models.TextChoices):
    NONE = "none", _("No emojis")
    FEW = "few", _("A few, here and there")
    MANY = "many", _("Gladly, it is our style")


class Charte(models.Model):
    """One per business; every field is plain words typed by the owner."""

    business = models.OneToOneField(Business, on_delete=models.CASCADE, related_name="charte")
    what_we_sell = models.TextField(_("What we sell"), max_length=600, blank=True)
    customers = models.TextField(_("To whom"), max_length=600, blank=True)
    promise = models.TextField(
        _("Why customers choose us (our promise)"), max_length=600, blank=True
    )
    proof = models.TextField(_("The proof of it"), max_length=600, blank=True)
    address_form = models.CharField(
        _("We speak to customers with"),
        max_length=4,
        choices=AddressForm.choices,
        default=AddressForm.VOUS,
    )
    emojis = models.CharField(
        _("Emojis"), max_length=4, choices=EmojiUse.choices, default=EmojiUse.FEW
    )
    tone_words = models.CharField(_("Three words for our tone"), max_length=200, blank=True)
    words_to_use = models.TextField(
        _("Words and topics we like to use"), max_length=1000, blank=True
    )
    words_to_avoid = models.TextField(_("Words and topics to avoid"), max_length=1000, blank=True)
    never_promise = models.TextField(_("What we never promise"), max_length=1000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("brand charter")
        verbose_name_plural = _("brand charters")

    def __str__(self) -> str:
        return f"{self.business} · charte"

    @property
    def avoid_terms(self) -> list[str]:
        return split_terms(self.words_to_avoid)

    @property
    def use_terms(self) -> list[str]:
        return split_terms(self.words_to_use)

    @property
    def never_promise_terms(self) -> list[str]:
        return split_terms(self.never_promise)

    @property
    def is_blank(self) -> bool:
        return not any([self.what_we_sell, self.customers, self.promise, self.proof])
