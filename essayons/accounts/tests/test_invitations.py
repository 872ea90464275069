"""Opening an invitation link: single use, expiry, withdrawal, unknown links, who joins."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from essayons.accounts.models import Invitation, InvitationState, Membership
from essayons.accounts.roles import Role
from essayons.accounts.services import InvitationUnusableError, invitation_accept

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Une baguette bien cuite 42"


def link(token):
    return reverse("accounts:invitation", args=[token])


def test_anonymous_visitor_is_offered_to_sign_up_or_log_in_and_comes_back(
    client, business, make_invitation
):
    invitation, token = make_invitation(role=Role.CASHIER)
    page = client.get(link(token))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Owner vous invite à rejoindre Boulangerie Test" in body
    assert "Enregistre seulement, à la caisse" in body
    assert f'{reverse("accounts:signup")}?next={link(token)}"' in body
    assert f'{reverse("accounts:login")}?next={link(token)}"' in body
    # Anonymous POST joins nothing.
    assert client.post(link(token)).status_code == 200
    assert not Membership.objects.filter(business=business, role=Role.CASHIER).exists()
    # Sign up from the link, come back, accept.
    signed_up = client.post(
        reverse("accounts:signup"),
        {
            "email": "newcomer@example.test",
            "display_name": "Léa",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "next": link(token),
        },
    )
    assert signed_up["Location"] == link(token)
    assert "Accepter l’invitation" in client.get(link(token)).content.decode()
    accepted = client.post(link(token))
    assert accepted["Location"] == reverse("tracking:till", args=[business.public_id])
    joined = Membership.objects.get(user__email="newcomer@example.test", business=business)
    assert joined.role == Role.CASHIER
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.ACCEPTED
    assert invitation.accepted_by == joined.user


def test_logging_in_from_the_link_comes_back_to_it(client, business, outsider, make_invitation):
    _, token = make_invitation(email=outsider.email, role=Role.ADVISOR)
    response = client.post(
        reverse("accounts:login") + f"?next={link(token)}",
        {"username": outsider.email, "password": "correct horse battery", "next": link(token)},
    )
    assert response["Location"] == link(token)
    accepted = client.post(link(token))
    assert accepted["Location"] == reverse("accounts:dashboard", args=[business.public_id])
    assert Membership.objects.get(user=outsider, business=business).role == Role.ADVISOR
    welcome = client.get(accepted["Location"]).content.decode()
    assert "Bienvenue chez Boulangerie Test" in welcome


def test_an_invitation_works_only_once(
    client_as, business, outsider, make_invitation, django_user_model
):
    invitation, token = make_invitation()
    assert client_as(outsider).post(link(token)).status_code == 302
    someone_else = django_user_model.objects.create_user(email="late@example.test", password="x")
    used = client_as(someone_else).post(link(token))
    assert used.status_code == 410
    assert "Cette invitation a déjà servi" in used.content.decode()
    assert not Membership.objects.filter(user=someone_else).exists()
    # The claim itself is a conditional update: a second claim fails even past the view.
    with pytest.raises(InvitationUnusableError):
        invitation_accept(invitation=invitation, user=someone_else)


def test_an_expired_invitation_is_refused(client_as, outsider, make_invitation):
    _, token = make_invitation(expires_at=timezone.now() - timedelta(minutes=1))
    for response in [client_as(None).get(link(token)), client_as(outsider).post(link(token))]:
        assert response.status_code == 410
        assert "Cette invitation a expiré" in response.content.decode()
    assert not Membership.objects.filter(user=outsider, business__name="Boulangerie Test").exists()


def test_an_invitation_expiring_between_reading_and_accepting_is_not_claimed(
    business, outsider, make_invitation
):
    invitation, _ = make_invitation()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    with pytest.raises(InvitationUnusableError):
        invitation_accept(invitation=invitation, user=outsider)
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_expiry_follows_the_setting(settings, make_invitation):
    settings.INVITATION_DAYS = 2
    invitation, _ = make_invitation()
    remaining = invitation.expires_at - timezone.now()
    assert timedelta(days=1, hours=23) < remaining <= timedelta(days=2)


def test_a_withdrawn_invitation_is_refused(client_as, outsider, make_invitation):
    _, token = make_invitation(revoked_at=timezone.now())
    response = client_as(outsider).post(link(token))
    assert response.status_code == 410
    assert "Cette invitation a été retirée" in response.content.decode()
    assert not Membership.objects.filter(user=outsider, business__name="Boulangerie Test").exists()


@pytest.mark.parametrize("token", ["unknown-token", "x" * 43, "a" * 500, "<script>"])
def test_an_unknown_link_is_a_clear_404(client_as, owner, token):
    for client in [client_as(None), client_as(owner)]:
        response = client.get(link(token))
        assert response.status_code == 404
        body = response.content.decode()
        assert "Ce lien d’invitation n’est pas valable" in body
        assert "<script>" not in body.split("<main", 1)[1]


def test_someone_already_in_the_team_is_told_so_and_nothing_changes(
    client_as, business, helper, make_invitation
):
    invitation, token = make_invitation(email=helper.email, role=Role.OWNER)
    client = client_as(helper)
    page = client.get(link(token))
    assert "Vous faites déjà partie de Boulangerie Test" in page.content.decode()
    assert client.post(link(token)).status_code == 200
    assert Membership.objects.get(user=helper, business=business).role == Role.HELPER
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_accepting_with_another_account_than_the_invited_address_is_said(
    client_as, outsider, make_invitation
):
    _, token = make_invitation(email="someone@example.test")
    body = client_as(outsider).get(link(token)).content.decode()
    assert "Cette invitation a été envoyée à someone@example.test" in body
    assert "outsider@example.test" in body


def test_invitation_link_answers_only_get_and_post(client, make_invitation):
    _, token = make_invitation()
    assert client.put(link(token)).status_code == 405
