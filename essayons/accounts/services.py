"""Writes of the accounts app: people, businesses, memberships and invitations.

Each function is one business operation; views call exactly one of them.
"""

from __future__ import annotations

import secrets
from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from essayons.accounts.models import (
    Business,
    Currency,
    Invitation,
    Membership,
    Notification,
    Territory,
    User,
    token_digest,
)
from essayons.accounts.roles import ROLE_HELP, ROLE_PERMS, Perm, Role
from essayons.accounts.tasks import email_send


class AccountsError(Exception):
    """A refusal to show the person as it is: `message` is plain, translated words."""

    message = _("This could not be done.")

    def __str__(self) -> str:
        return str(self.message)


class LastOwnerError(AccountsError):
    message = _("A business always needs at least one owner. Make someone else owner first.")


class InvitationUnusableError(AccountsError):
    message = _("This invitation can no longer be used.")


class AlreadyMemberError(AccountsError):
    message = _("You are already a member of this business.")


def user_signup(*, email: str, password: str, display_name: str) -> User:
    """Create an account; raises IntegrityError when the address was taken meanwhile."""
    with transaction.atomic():
        return User.objects.create_user(email=email, password=password, display_name=display_name)


def business_create(
    *,
    owner: User,
    name: str,
    trade: str,
    town: str,
    address: str = "",
    timezone: str = Territory.PARIS,
    currency: str = Currency.EUR,
) -> Business:
    """Create a business whose first owner is `owner`."""
    with transaction.atomic():
        business = Business.objects.create(
            name=name,
            trade=trade,
            town=town,
            address=address,
            timezone=timezone,
            currency=currency,
        )
        Membership.objects.create(user=owner, business=business, role=Role.OWNER)
    return business


def invitation_create(
    *, business: Business, email: str, role: str, invited_by: User, site_url: str
) -> Invitation:
    """Invite `email` into `business` with `role` and e-mail them the link.

    The token leaves only in the e-mail; the database keeps its SHA-256. A new
    invitation withdraws any still pending for the same address in the same business.
    `site_url` is the scheme and host the link starts with (no trailing slash).
    """
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        Invitation.objects.filter(
            business=business,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            business=business,
            email=email,
            role=role,
            invited_by=invited_by,
            token_hash=token_digest(token),
        )
        context = {
            "invitation": invitation,
            "inviter": invited_by,
            "role_help": ROLE_HELP[role],
            "link": site_url + reverse("accounts:invitation", args=[token]),
        }
        subject = render_to_string("accounts/email/invitation_subject.txt", context)
        body = render_to_string("accounts/email/invitation_body.txt", context)
        transaction.on_commit(
            partial(email_send.enqueue, to=[email], subject=subject.strip(), body=body)
        )
    return invitation


def invitation_revoke(*, invitation: Invitation) -> bool:
    """Withdraw a pending invitation; False when it was already used or withdrawn."""
    updated = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    return updated == 1


def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Make `user` a member with the invitation's role, claiming the invitation once.

    Raises AlreadyMemberError (the invitation stays usable) or InvitationUnusableError
    (used, withdrawn or expired, including by a concurrent claim).
    """
    now = timezone.now()
    with transaction.atomic():
        if Membership.objects.filter(user=user, business_id=invitation.business_id).exists():
            raise AlreadyMemberError
        claimed = Invitation.objects.filter(
            pk=invitation.pk,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).update(accepted_at=now, accepted_by=user)
        if claimed != 1:
            raise InvitationUnusableError
        return Membership.objects.create(
            user=user, business_id=invitation.business_id, role=invitation.role
        )


def _lock_for_owner_change(membership: Membership) -> Membership:
    """Lock the business's owners and reload `membership`; raise if it is the last owner.

    Locking every owner row serialises two owners demoting each other at once.
    """
    owner_ids = list(
        Membership.objects.select_for_update()
        .filter(business_id=membership.business_id, role=Role.OWNER)
        .values_list("pk", flat=True)
    )
    current = Membership.objects.select_for_update().get(pk=membership.pk)
    if current.role == Role.OWNER and owner_ids == [current.pk]:
        raise LastOwnerError
    return current


def membership_role_change(*, membership: Membership, role: str) -> Membership:
    """Give a member another role; the last owner cannot be demoted."""
    with transaction.atomic():
        if role == Role.OWNER:
            current = Membership.objects.select_for_update().get(pk=membership.pk)
        else:
            current = _lock_for_owner_change(membership)
        current.role = role
        current.save(update_fields=["role"])
    return current


def membership_remove(*, membership: Membership) -> None:
    """Take a member out of the business; the last owner cannot be removed."""
    with transaction.atomic():
        current = _lock_for_owner_change(membership)
        current.delete()


SUBJECT_CHARS = 150


def notification_send(
    *,
    business: Business,
    text: str,
    url: str,
    perm: str = Perm.APPROVE_POSTS,
    email: bool = True,
    details: str = "",
    urgent: bool = False,
) -> list[Notification]:
    """Tell every member of `business` whose role has `perm`, in the app and by e-mail.

    `url` is a path on this site where the person can act (anything else is dropped).
    `details` goes into the e-mail only (e.g. the text of a post to copy). E-mails leave
    through the task worker after commit; `urgent` sends them at once instead, for alerts
    that must not wait on a worker that may itself be the problem.
    """
    if not url.startswith("/") or url.startswith("//"):
        url = ""
    roles = [role for role, perms in ROLE_PERMS.items() if perm in perms]
    members = list(
        Membership.objects.filter(business=business, role__in=roles).select_related("user")
    )
    notes = Notification.objects.bulk_create(
        Notification(user=m.user, business=business, text=text, url=url) for m in members
    )
    recipients = [m.user.email for m in members if m.user.email and m.user.is_active]
    if email and recipients:
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "business": business,
                "text": text,
                "details": details,
                "link": settings.SITE_URL + url if url else "",
            }
            raw_subject = render_to_string("accounts/email/notification_subject.txt", context)
            body = render_to_string("accounts/email/notification_body.txt", context)
        subject = " ".join(raw_subject.split())
        if len(subject) > SUBJECT_CHARS:
            subject = subject[: SUBJECT_CHARS - 1] + "…"
        if urgent:
            email_send.call(to=recipients, subject=subject, body=body)
        else:
            transaction.on_commit(
                partial(email_send.enqueue, to=recipients, subject=subject, body=body)
            )
    return notes


def notifications_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of `user`'s notifications (or all of them) as read; returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
