"""Promo codes and the till: creating codes, redeeming them once, "how did you hear of us?".

A tap at the till carries a `client_key` drawn by the page: the same tap sent twice (weak
connection, retry, double tap) is one event, answered with the same success.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from essayons.accounts.models import Business, User
from essayons.tracking.models import Campaign, DeclaredSource, HeardFrom, PromoCode, Redemption

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("10000.00")
# Euros with an optional comma or point and one or two cents; thousands spaces removed first.
AMOUNT_RE = re.compile(r"\d{1,7}(?:[.,]\d{1,2})?")
CODE_RE = re.compile(r"[A-Z0-9]{3,32}")
# Generated codes avoid what a cashier could misread: no 0/O, no 1/I.
SAFE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GENERATED_LENGTH = 6
PREFIX_MAX = 12
# A tap kept on a phone without network is dated when it was made, within these bounds.
TAP_MAX_AGE = timedelta(hours=72)


class TillAnswer(models.TextChoices):
    RECORDED = "recorded", _("Recorded")
    UNKNOWN = "unknown", _("Unknown code")
    INACTIVE = "inactive", _("Code switched off")
    NOT_YET = "not_yet", _("Not valid yet")
    EXPIRED = "expired", _("Expired")
    USED = "used", _("Already used")
    CAP_REACHED = "cap_reached", _("No uses left")


@dataclass(frozen=True)
class RedeemOutcome:
    answer: TillAnswer
    code: str
    promo: PromoCode | None = None
    redemption: Redemption | None = None
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return self.answer == TillAnswer.RECORDED


def code_normalise(text: str) -> str:
    """What the cashier typed or scanned, as stored: upper case, letters and digits only."""
    return re.sub(r"[^A-Z0-9]", "", text[:100].upper())


def amount_parse(text: str) -> Decimal:
    """A basket amount typed in French ("12,50", "1 066", "8.5 €") as Decimal cents."""
    cleaned = re.sub(r"[\s\u00a0\u202f€]", "", text)
    if not cleaned:
        raise ValidationError(_("Enter the basket amount, e.g. 12,50."), code="required")
    if cleaned.startswith("-"):
        raise ValidationError(_("The amount cannot be negative."), code="negative")
    if not AMOUNT_RE.fullmatch(cleaned):
        raise ValidationError(_("Enter the amount in euros and cents, e.g. 12,50."), code="invalid")
    amount = Decimal(cleaned.replace(",", ".")).quantize(CENT, rounding=ROUND_HALF_UP)
    if amount > MAX_AMOUNT:
        raise ValidationError(_("Over 10,000 € for one basket? Check the amount."), code="too_big")
    return amount


def tap_time(tapped_at_ms: int | None, *, now: datetime | None = None) -> datetime:
    """When a tap was made: the page's clock if plausible (a tap kept offline), else now."""
    now = now or timezone.now()
    if tapped_at_ms is None:
        return now
    try:
        at = datetime.fromtimestamp(tapped_at_ms / 1000, tz=now.tzinfo)
    except (OverflowError, OSError, ValueError):
        return now
    return at if now - TAP_MAX_AGE <= at <= now else now


def local_day(business: Business, at: datetime) -> date:
    return at.astimezone(ZoneInfo(business.timezone)).date()


def code_redeem(
    *,
    business: Business,
    code: str,
    amount: Decimal,
    client_key: UUID,
    recorded_by: User | None,
    at: datetime | None = None,
) -> RedeemOutcome:
    """Record one use of a code at the till, or say why not. A repeated client_key is a replay.

    Uses are claimed by a conditional update inside the transaction that creates the
    Redemption, so a single-use code redeemed twice at once succeeds once.
    """
    at = at or timezone.now()
    code = code_normalise(code)
    earlier = _replay(business, client_key)
    if earlier is not None:
        return earlier
    promo = PromoCode.objects.filter(business=business, code=code).first()
    if promo is None:
        return RedeemOutcome(TillAnswer.UNKNOWN, code)
    refusal = _refusal(promo, local_day(business, at))
    if refusal is not None:
        return RedeemOutcome(refusal, code, promo)
    try:
        with transaction.atomic():
            if not _claim(promo):
                used = TillAnswer.USED if promo.single_use else TillAnswer.CAP_REACHED
                return RedeemOutcome(used, code, promo)
            redemption = Redemption.objects.create(
                business=business,
                promo_code=promo,
                at=at,
                amount=amount,
                recorded_by=recorded_by,
                client_key=client_key,
            )
    except IntegrityError:  # the same tap arrived twice at once; the other one recorded it
        replay = _replay(business, client_key)
        if replay is None:
            raise
        return replay
    return RedeemOutcome(TillAnswer.RECORDED, code, promo, redemption)


def _replay(business: Business, client_key: UUID) -> RedeemOutcome | None:
    earlier = (
        Redemption.objects.filter(business=business, client_key=client_key)
        .select_related("promo_code")
        .first()
    )
    if earlier is None:
        return None
    promo = earlier.promo_code
    return RedeemOutcome(TillAnswer.RECORDED, promo.code, promo, earlier, replayed=True)


def _refusal(promo: PromoCode, day: date) -> TillAnswer | None:
    if not promo.is_active:
        return TillAnswer.INACTIVE
    if promo.valid_from and day < promo.valid_from:
        return TillAnswer.NOT_YET
    if promo.valid_until and day > promo.valid_until:
        return TillAnswer.EXPIRED
    return None


def _claim(promo: PromoCode) -> bool:
    """Take one use if one is left: one conditional UPDATE decides between concurrent tills."""
    cap = 1 if promo.single_use else promo.max_uses
    claim = PromoCode.objects.filter(pk=promo.pk, is_active=True)
    if cap is not None:
        claim = claim.filter(uses__lt=cap)
    return claim.update(uses=F("uses") + 1) == 1


def source_declare(
    *,
    business: Business,
    source: str,
    client_key: UUID,
    recorded_by: User | None,
    at: datetime | None = None,
) -> tuple[DeclaredSource, bool]:
    """Record a customer's "how did you hear of us?"; (row, False) for a replayed tap."""
    if source not in HeardFrom.values:
        raise ValueError(f"unknown source {source!r}")
    try:
        with transaction.atomic():
            declared = DeclaredSource.objects.create(
                business=business,
                source=source,
                at=at or timezone.now(),
                recorded_by=recorded_by,
                client_key=client_key,
            )
            return declared, True
    except IntegrityError:
        return DeclaredSource.objects.get(business=business, client_key=client_key), False


def code_create(
    *,
    business: Business,
    code: str,
    campaign: Campaign | None = None,
    description: str = "",
    channel: str = "",
    single_use: bool = False,
    max_uses: int | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    for_email: str = "",
) -> PromoCode:
    """A new promo code; ValidationError if it is malformed or already exists here."""
    code = code_normalise(code)
    if not CODE_RE.fullmatch(code):
        raise ValidationError(
            _("Between 3 and 32 letters and digits, e.g. GALETTE27."), code="invalid"
        )
    if campaign is not None and campaign.business_id != business.pk:
        raise ValueError("campaign of another business")
    try:
        with transaction.atomic():
            return PromoCode.objects.create(
                business=business,
                code=code,
                campaign=campaign,
                description=description.strip()[:200],
                channel=channel,
                single_use=single_use,
                max_uses=None if single_use else max_uses,
                valid_from=valid_from,
                valid_until=valid_until,
                for_email=for_email.strip().lower(),
            )
    except IntegrityError:
        raise ValidationError(
            _("The code %(code)s already exists: choose another one."),
            code="exists",
            params={"code": code},
        ) from None


def code_draw(prefix: str) -> str:
    """A prefix followed by random characters nobody can misread (no 0/O, no 1/I)."""
    tail = "".join(secrets.choice(SAFE_ALPHABET) for _ in range(GENERATED_LENGTH))
    return code_normalise(prefix)[:PREFIX_MAX] + tail


def codes_for_emails(
    *,
    business: Business,
    emails: Iterable[str],
    prefix: str,
    campaign: Campaign | None = None,
    description: str = "",
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> list[PromoCode]:
    """One single-use code per customer e-mail; a customer who already has one keeps it."""
    wanted = list(dict.fromkeys(email.strip().lower() for email in emails if email.strip()))
    existing = {
        promo.for_email: promo
        for promo in PromoCode.objects.filter(
            business=business, campaign=campaign, for_email__in=wanted, is_active=True
        )
    }
    codes = []
    for email in wanted:
        promo = existing.get(email)
        if promo is None:
            promo = _code_create_drawn(
                business=business,
                prefix=prefix,
                campaign=campaign,
                description=description,
                valid_from=valid_from,
                valid_until=valid_until,
                for_email=email,
            )
        codes.append(promo)
    return codes


def _code_create_drawn(
    *,
    business: Business,
    prefix: str,
    campaign: Campaign | None,
    description: str,
    valid_from: date | None,
    valid_until: date | None,
    for_email: str,
) -> PromoCode:
    for attempt in range(10):
        try:
            return code_create(
                business=business,
                code=code_draw(prefix),
                campaign=campaign,
                description=description,
                single_use=True,
                valid_from=valid_from,
                valid_until=valid_until,
                for_email=for_email,
            )
        except ValidationError as error:  # drew a code that exists: draw again
            if error.code != "exists" or attempt == 9:
                raise
    raise AssertionError("unreachable")


def code_activate(*, promo: PromoCode, active: bool) -> None:
    PromoCode.objects.filter(pk=promo.pk).update(is_active=active)
    promo.is_active = active
