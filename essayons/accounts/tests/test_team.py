"""The team page: who may see it, inviting, withdrawing, changing roles, removing, last owner."""

import pytest
from django.core import mail
from django.urls import reverse

from essayons.accounts.models import Invitation, Membership, token_digest
from essayons.accounts.roles import Role
from essayons.accounts.services import LastOwnerError, membership_remove, membership_role_change
from essayons.accounts.tests.conftest import ESCAPED, SCRIPT, found, oversized

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, business, *args):
    return reverse(f"accounts:{name}", args=[business.public_id, *args])


def membership(user, business):
    return Membership.objects.get(user=user, business=business)


def test_team_page_who_may(client_as, business, owner, advisor, helper, cashier, outsider):
    page = client_as(owner).get(url("members", business))
    assert page.status_code == 200
    body = page.content.decode()
    for person in ["owner@example.test", "advisor@example.test", "Cashier"]:
        assert person in body
    assert client_as(advisor).get(url("members", business)).status_code == 403
    assert client_as(helper).get(url("members", business)).status_code == 403
    assert client_as(cashier).get(url("members", business)).status_code == 403
    assert client_as(outsider).get(url("members", business)).status_code == 404
    anonymous = client_as(None).get(url("members", business))
    assert anonymous.status_code == 302 and reverse("accounts:login") in anonymous["Location"]


def test_team_page_explains_each_role_in_french(client_as, business, owner):
    body = client_as(owner).get(url("members", business)).content.decode()
    assert "Décide de tout" in body
    assert "rien ne part sans l’accord du dirigeant" in body
    assert "Enregistre seulement, à la caisse" in body
    assert "sauf gérer l’équipe" in body


# Invite ---------------------------------------------------------------------------------------


def test_invite_stores_only_the_hash_and_emails_a_working_link(
    client_as, business, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(owner).post(
            url("invite", business), {"email": "Lea@Example.test", "role": Role.CASHIER}
        )
    assert response["Location"] == url("members", business)
    invitation = Invitation.objects.get()
    assert invitation.email == "lea@example.test"
    assert invitation.role == Role.CASHIER and invitation.invited_by == owner
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lea@example.test"]
    assert message.subject == "Rejoignez Boulangerie Test sur Essayons"
    assert "avec le rôle «\u00a0Caisse\u00a0»" in message.body
    token = found(r"http://127.0.0.1:8000/invitation/([\w-]+)/", message.body)
    assert len(token) >= 43
    assert invitation.token_hash == token_digest(token)
    assert token not in invitation.token_hash
    page = client_as(None).get(reverse("accounts:invitation", args=[token]))
    assert page.status_code == 200 and "Rejoindre Boulangerie Test" in page.content.decode()


def test_invite_shows_up_as_pending_and_a_new_one_replaces_the_old(
    client_as, business, owner, django_capture_on_commit_callbacks
):
    client = client_as(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("invite", business), {"email": "lea@example.test", "role": Role.HELPER})
        client.post(url("invite", business), {"email": "lea@example.test", "role": Role.ADVISOR})
    assert Invitation.objects.filter(revoked_at__isnull=True).get().role == Role.ADVISOR
    body = client.get(url("members", business)).content.decode()
    assert body.count("<td>lea@example.test</td>") == 1


def test_invite_bad_input_is_refused_in_french(client_as, business, owner, helper):
    client = client_as(owner)
    empty = client.post(url("invite", business), {})
    assert empty.status_code == 200 and "Ce champ est obligatoire." in empty.content.decode()
    invalid = client.post(url("invite", business), {"email": SCRIPT, "role": Role.HELPER})
    body = invalid.content.decode()
    assert "Saisissez une adresse e-mail valide" in body
    assert ESCAPED in body and SCRIPT not in body
    bad_role = client.post(url("invite", business), {"email": "a@b.test", "role": "king"})
    assert bad_role.context["invite_form"].has_error("role")
    assert 'value="a@b.test"' in bad_role.content.decode()
    member = client.post(url("invite", business), {"email": helper.email, "role": Role.OWNER})
    assert "fait déjà partie de votre équipe" in member.content.decode()
    too_long = client.post(
        url("invite", business), {"email": "a" * 250 + "@b.test", "role": "helper"}
    )
    assert too_long.context["invite_form"].has_error("email")
    assert client.post(url("invite", business), {"email": oversized()}).status_code == 400
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_invite_who_may(client_as, business, advisor, helper, cashier, outsider):
    data = {"email": "lea@example.test", "role": Role.OWNER}
    assert client_as(advisor).post(url("invite", business), data).status_code == 403
    assert client_as(helper).post(url("invite", business), data).status_code == 403
    assert client_as(cashier).post(url("invite", business), data).status_code == 403
    assert client_as(outsider).post(url("invite", business), data).status_code == 404
    assert client_as(None).post(url("invite", business), data).status_code == 302
    assert not Invitation.objects.exists()


def test_invite_is_post_only(client_as, business, owner):
    assert client_as(owner).get(url("invite", business)).status_code == 405


def test_invite_through_htmx_answers_the_team_block(
    client_as, business, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(owner).post(
            url("invite", business), {"email": "lea@example.test", "role": Role.HELPER}, **HTMX
        )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith('<div id="team">') and "<html" not in body
    assert "Invitation envoyée à lea@example.test" in body
    refused = client_as(owner).post(url("invite", business), {"email": "x"}, **HTMX)
    assert "Saisissez une adresse e-mail valide" in refused.content.decode()


# Withdraw --------------------------------------------------------------------------------------


def test_withdraw_an_invitation(client_as, business, owner, make_invitation):
    invitation, token = make_invitation()
    client = client_as(owner)
    response = client.post(url("invitation_withdraw", business, invitation.pk))
    assert response["Location"] == url("members", business)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert "L’invitation est retirée" in client.get(url("members", business)).content.decode()
    again = client.post(url("invitation_withdraw", business, invitation.pk), follow=True)
    assert "avait déjà servi ou avait été retirée" in again.content.decode()
    gone = client_as(None).get(reverse("accounts:invitation", args=[token]))
    assert gone.status_code == 410


def test_withdraw_who_may(
    client_as, business, other_business, owner, advisor, outsider, make_invitation
):
    invitation, _ = make_invitation()
    foreign, _ = make_invitation(target=other_business)
    assert (
        client_as(advisor).post(url("invitation_withdraw", business, invitation.pk)).status_code
        == 403
    )
    assert (
        client_as(outsider).post(url("invitation_withdraw", business, invitation.pk)).status_code
        == 404
    )
    # Another business's invitation through my business's address: not found.
    assert (
        client_as(owner).post(url("invitation_withdraw", business, foreign.pk)).status_code == 404
    )
    assert client_as(owner).post(url("invitation_withdraw", business, 999999)).status_code == 404
    assert not Invitation.objects.filter(revoked_at__isnull=False).exists()


# Roles --------------------------------------------------------------------------------------------


def test_change_a_member_role(client_as, business, owner, helper):
    member = membership(helper, business)
    response = client_as(owner).post(
        url("member_role", business, member.pk), {"role": Role.ADVISOR}
    )
    assert response["Location"] == url("members", business)
    member.refresh_from_db()
    assert member.role == Role.ADVISOR


def test_change_role_bad_input(client_as, business, owner, helper):
    member = membership(helper, business)
    client = client_as(owner)
    response = client.post(url("member_role", business, member.pk), {"role": SCRIPT}, follow=True)
    body = response.content.decode()
    assert "Choisissez l’un des rôles proposés" in body
    assert SCRIPT not in body
    assert (
        client.post(url("member_role", business, member.pk), {"role": oversized()}).status_code
        == 400
    )
    member.refresh_from_db()
    assert member.role == Role.HELPER


def test_change_role_who_may(client_as, business, other_business, owner, advisor, helper, outsider):
    member = membership(helper, business)
    data = {"role": Role.OWNER}
    assert client_as(helper).post(url("member_role", business, member.pk), data).status_code == 403
    assert client_as(advisor).post(url("member_role", business, member.pk), data).status_code == 403
    assert (
        client_as(outsider).post(url("member_role", business, member.pk), data).status_code == 404
    )
    foreign = membership(outsider, other_business)
    assert client_as(owner).post(url("member_role", business, foreign.pk), data).status_code == 404
    member.refresh_from_db()
    foreign.refresh_from_db()
    assert member.role == Role.HELPER and foreign.role == Role.OWNER


def test_the_last_owner_cannot_be_demoted(client_as, business, owner):
    me = membership(owner, business)
    response = client_as(owner).post(
        url("member_role", business, me.pk), {"role": Role.HELPER}, follow=True
    )
    assert "a toujours besoin d’au moins un dirigeant" in response.content.decode()
    me.refresh_from_db()
    assert me.role == Role.OWNER


def test_an_owner_can_step_down_when_another_owner_remains(client_as, business, owner, helper):
    membership_role_change(membership=membership(helper, business), role=Role.OWNER)
    me = membership(owner, business)
    response = client_as(owner).post(url("member_role", business, me.pk), {"role": Role.HELPER})
    assert response["Location"] == reverse("accounts:home")  # no longer manages the team
    me.refresh_from_db()
    assert me.role == Role.HELPER
    with pytest.raises(LastOwnerError):
        membership_role_change(membership=membership(helper, business), role=Role.CASHIER)


def test_team_page_hides_role_actions_for_the_only_owner(client_as, business, owner, helper):
    body = client_as(owner).get(url("members", business)).content.decode()
    assert url("member_remove", business, membership(owner, business).pk) not in body
    assert url("member_remove", business, membership(helper, business).pk) in body
    assert "Seul dirigeant" in body


# Remove ------------------------------------------------------------------------------------------


def test_remove_a_member(client_as, business, owner, cashier):
    member = membership(cashier, business)
    response = client_as(owner).post(url("member_remove", business, member.pk), follow=True)
    assert "ne fait plus partie de l’équipe" in response.content.decode()
    assert not Membership.objects.filter(pk=member.pk).exists()
    # The removed person no longer gets in.
    till = reverse("tracking:till", args=[business.public_id])
    assert client_as(cashier).get(till).status_code == 404


def test_the_last_owner_cannot_be_removed(client_as, business, owner):
    me = membership(owner, business)
    response = client_as(owner).post(url("member_remove", business, me.pk), **HTMX)
    assert "a toujours besoin d’au moins un dirigeant" in response.content.decode()
    assert Membership.objects.filter(pk=me.pk).exists()
    with pytest.raises(LastOwnerError):
        membership_remove(membership=me)


def test_an_owner_leaving_through_htmx_is_sent_home(client_as, business, owner, helper):
    membership_role_change(membership=membership(helper, business), role=Role.OWNER)
    me = membership(owner, business)
    response = client_as(owner).post(url("member_remove", business, me.pk), **HTMX)
    assert response["HX-Redirect"] == reverse("accounts:home")
    assert not Membership.objects.filter(pk=me.pk).exists()


def test_remove_who_may(client_as, business, other_business, owner, advisor, helper, outsider):
    member = membership(helper, business)
    assert client_as(advisor).post(url("member_remove", business, member.pk)).status_code == 403
    assert client_as(helper).post(url("member_remove", business, member.pk)).status_code == 403
    assert client_as(outsider).post(url("member_remove", business, member.pk)).status_code == 404
    foreign = membership(outsider, other_business)
    assert client_as(owner).post(url("member_remove", business, foreign.pk)).status_code == 404
    assert client_as(owner).get(url("member_remove", business, member.pk)).status_code == 405
    assert Membership.objects.filter(pk__in=[member.pk, foreign.pk]).count() == 2


def test_an_oversized_post_without_fields_is_still_a_400(business, owner, helper):
    """Views that read no field still refuse a huge body: the CSRF check reads it first."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    client.get(url("members", business))
    token = client.cookies["csrftoken"].value
    member = membership(helper, business)
    response = client.post(
        url("member_remove", business, member.pk),
        {"csrfmiddlewaretoken": token, "padding": oversized()},
    )
    assert response.status_code == 400
    assert Membership.objects.filter(pk=member.pk).exists()


def test_invitations_to_one_address_are_limited_per_hour(client_as, business, owner):
    for n in range(5):
        sent = client_as(owner).post(
            url("invite", business), {"email": "lea@example.test", "role": Role.HELPER}
        )
        assert sent.status_code == 302, n
    refused = client_as(owner).post(
        url("invite", business), {"email": "LEA@example.test", "role": Role.HELPER}
    )
    assert refused.status_code == 200  # the team page again, with the form's error
    assert Invitation.objects.filter(email="lea@example.test").count() == 5
    assert "Trop d’invitations envoyées pour l’instant" in refused.content.decode()
    other = client_as(owner).post(
        url("invite", business), {"email": "paul@example.test", "role": Role.HELPER}
    )
    assert other.status_code == 302
