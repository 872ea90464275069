from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from essayons.accounts.roles import Role, role_can


class EmailUserManager(UserManager["User"]):
    """People log in with their e-mail address; there is no separate username."""

    def _create_user_object(self, email: str, password: str | None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        user = self._create_user_object(email, password, **extra)
        user.save(using=self._db)
        return user

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("name"), max_length=120, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []
    objects = EmailUserManager()  # type: ignore[misc]

    def __str__(self) -> str:
        return self.display_name or self.email


class Trade(models.TextChoices):
    BAKERY = "bakery", _("Bakery, pastry")
    RESTAURANT = "restaurant", _("Restaurant, café")
    SHOP = "shop", _("Shop")
    BEAUTY = "beauty", _("Beauty, hairdresser")
    CRAFTSMAN = "craftsman", _("Craftsman, building trades")
    SERVICES = "services", _("Services")
    OTHER = "other", _("Other")


class Territory(models.TextChoices):
    """Time zones offered, each naming the territory whose local dates apply."""

    PARIS = "Europe/Paris", _("Mainland France and Corsica (Europe/Paris)")
    MARTINIQUE = "America/Martinique", _("Martinique (America/Martinique)")
    GUADELOUPE = "America/Guadeloupe", _("Guadeloupe (America/Guadeloupe)")
    GUYANE = "America/Cayenne", _("French Guiana (America/Cayenne)")
    REUNION = "Indian/Reunion", _("La Réunion (Indian/Reunion)")


class Currency(models.TextChoices):
    EUR = "EUR", _("Euro (€)")


class Business(models.Model):
    """The tenant: every business-owned object points here."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name of the business"), max_length=120)
    trade = models.CharField(_("trade"), max_length=20, choices=Trade.choices)
    town = models.CharField(_("town"), max_length=120)
    address = models.CharField(_("address"), max_length=255, blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=40, choices=Territory.choices, default=Territory.PARIS
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    business = models.ForeignKey(Business, on_delete=models.CASCADE)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "business"], name="one_membership_per_business")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.business} · {self.role}"

    def can(self, perm: str) -> bool:
        return role_can(self.role, perm)


def invitation_expiry() -> Any:
    return timezone.now() + timedelta(days=settings.INVITATION_DAYS)


def token_digest(token: str) -> str:
    """The SHA-256 of an invitation token: what the database keeps instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationState(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class Invitation(models.Model):
    """A single-use, expiring invitation; only the SHA-256 of its token is stored.

    Its state is derived from the timestamps, so that a claim is one conditional
    update (`accepted_at` set only where it is still empty, not revoked, not expired).
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE)
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.email} → {self.business} ({self.role})"

    @property
    def state(self) -> InvitationState:
        if self.accepted_at is not None:
            return InvitationState.ACCEPTED
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationState.EXPIRED
        return InvitationState.PENDING

    def is_usable(self) -> bool:
        return self.state == InvitationState.PENDING


class Notification(models.Model):
    """One message for one person about one business, shown in the app until opened.

    `url` is a path on this site (where to act); the text is written in the business's
    language when sent, so that it reads the same in the app and in the e-mail.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("message"))
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.text[:40]}"


class EmailSent(models.Model):
    """One e-mail sent because someone asked (a password reset, an invitation), by whom.

    Only digests are kept: `key` is the SHA-256 of "<kind>:<address or e-mail>", never the
    address itself. Rows older than a day are useless and removed as new ones come.
    """

    key = models.CharField(max_length=64, db_index=True)
    sent_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.key[:8]} · {self.sent_at:%Y-%m-%d %H:%M}"
