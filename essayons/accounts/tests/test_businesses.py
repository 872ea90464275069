"""Home routing, my businesses and switching, creating and editing a business, the dashboard."""

import pytest
from django.urls import reverse

from essayons.accounts.models import Business, Membership, Trade
from essayons.accounts.roles import Role
from essayons.accounts.tests.conftest import ESCAPED, SCRIPT, oversized

pytestmark = pytest.mark.django_db


def business_data(**overrides):
    data = {
        "name": "Salon Kréyol",
        "trade": Trade.BEAUTY,
        "town": "Le Lamentin",
        "address": "",
        "timezone": "America/Martinique",
        "currency": "EUR",
    }
    data.update(overrides)
    return data


def dashboard_url(business):
    return reverse("accounts:dashboard", args=[business.public_id])


# Home ------------------------------------------------------------------------------------------


def test_home_needs_a_login(client):
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_home_sends_someone_without_a_business_to_create_one(client_as, django_user_model):
    newcomer = django_user_model.objects.create_user(email="new@example.test", password="x")
    response = client_as(newcomer).get(reverse("accounts:home"))
    assert response["Location"] == reverse("accounts:business_create")


def test_home_sends_the_owner_to_the_dashboard_and_the_cashier_to_the_till(
    client_as, business, owner, cashier
):
    assert client_as(owner).get(reverse("accounts:home"))["Location"] == dashboard_url(business)
    till = reverse("tracking:till", args=[business.public_id])
    assert client_as(cashier).get(reverse("accounts:home"))["Location"] == till


def test_a_person_in_two_businesses_switches_between_them(
    client_as, business, other_business, owner
):
    Membership.objects.create(user=owner, business=other_business, role=Role.CASHIER)
    client = client_as(owner)
    # No business chosen yet: the list, with the role in each.
    assert client.get(reverse("accounts:home"))["Location"] == reverse("accounts:businesses")
    listing = client.get(reverse("accounts:businesses")).content.decode()
    assert "Boulangerie Test" in listing and "Salon Ailleurs" in listing
    assert "Dirigeant" in listing and "Caisse" in listing
    other_till = reverse("tracking:till", args=[other_business.public_id])
    assert f'href="{other_till}"' in listing  # a cashier there: the link opens the till
    # Opening the other business switches to it; home then goes there.
    assert client.get(other_till).status_code == 200
    assert client.get(reverse("accounts:home"))["Location"] == other_till
    assert "Entreprise en cours" in client.get(reverse("accounts:businesses")).content.decode()
    # And back.
    assert client.get(dashboard_url(business)).status_code == 200
    assert client.get(reverse("accounts:home"))["Location"] == dashboard_url(business)
    # In the other business this person is only a cashier: no dashboard there.
    assert client.get(dashboard_url(other_business)).status_code == 403


def test_my_businesses_page_shows_only_mine(client_as, owner, outsider):
    anonymous = client_as(None).get(reverse("accounts:businesses"))
    assert anonymous.status_code == 302 and reverse("accounts:login") in anonymous["Location"]
    body = client_as(owner).get(reverse("accounts:businesses")).content.decode()
    assert "Boulangerie Test" in body
    assert "Salon Ailleurs" not in body
    assert "Créer une entreprise" in body


# Create ------------------------------------------------------------------------------------------


def test_create_a_business_makes_me_its_owner_and_lands_on_its_dashboard(client_as, owner):
    client = client_as(owner)
    form = client.get(reverse("accounts:business_create")).content.decode()
    assert "Créer mon entreprise" in form
    assert 'value="Europe/Paris" selected' in form  # default time zone
    response = client.post(reverse("accounts:business_create"), business_data())
    created = Business.objects.get(name="Salon Kréyol")
    assert response["Location"] == dashboard_url(created)
    assert created.timezone == "America/Martinique" and created.currency == "EUR"
    membership = Membership.objects.get(business=created)
    assert membership.user == owner and membership.role == Role.OWNER
    dashboard = client.get(response["Location"]).content.decode()
    assert "Salon Kréyol" in dashboard and "Votre entreprise est créée" in dashboard


def test_create_needs_a_login(client):
    response = client.post(reverse("accounts:business_create"), business_data())
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert not Business.objects.filter(name="Salon Kréyol").exists()


def test_create_empty_form_keeps_nothing_and_says_why(client_as, owner):
    response = client_as(owner).post(reverse("accounts:business_create"), {})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "trade", "town", "timezone", "currency"}
    assert "Ce champ est obligatoire." in response.content.decode()
    assert Business.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "x" * 121),
        ("town", "x" * 121),
        ("address", "x" * 256),
        ("trade", "spaceship"),
        ("timezone", "Europe/Berlin"),
        ("currency", "USD"),
    ],
)
def test_create_refuses_bad_values_and_keeps_the_rest(client_as, owner, field, value):
    response = client_as(owner).post(
        reverse("accounts:business_create"), business_data(**{field: value})
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    kept = 'value="Le Lamentin"' if field == "name" else 'value="Salon Kréyol"'
    assert kept in response.content.decode()
    assert Business.objects.count() == 1


def test_create_shows_a_script_name_escaped(client_as, owner):
    client = client_as(owner)
    refused = client.post(reverse("accounts:business_create"), business_data(name=SCRIPT, town=""))
    assert ESCAPED in refused.content.decode() and SCRIPT not in refused.content.decode()
    response = client.post(reverse("accounts:business_create"), business_data(name=SCRIPT))
    body = client.get(response["Location"]).content.decode()
    assert ESCAPED in body and SCRIPT not in body


def test_create_oversized_post_is_a_400(client_as, owner):
    response = client_as(owner).post(
        reverse("accounts:business_create"), business_data(name=oversized())
    )
    assert response.status_code == 400
    assert Business.objects.count() == 1


# Edit ------------------------------------------------------------------------------------------


def edit_url(business):
    return reverse("accounts:business_edit", args=[business.public_id])


def test_edit_who_may(client_as, business, owner, advisor, helper, cashier, outsider):
    assert client_as(owner).get(edit_url(business)).status_code == 200
    assert client_as(advisor).get(edit_url(business)).status_code == 200
    refused = client_as(helper).post(edit_url(business), business_data())
    assert refused.status_code == 403
    assert client_as(cashier).get(edit_url(business)).status_code == 403
    assert client_as(outsider).post(edit_url(business), business_data()).status_code == 404
    anonymous = client_as(None).get(edit_url(business))
    assert anonymous.status_code == 302 and reverse("accounts:login") in anonymous["Location"]
    business.refresh_from_db()
    assert business.name == "Boulangerie Test"


def test_edit_saves_the_details(client_as, business, owner):
    response = client_as(owner).post(
        edit_url(business), business_data(name="Boulangerie Ti Pain", address="12 rue Victor Hugo")
    )
    assert response["Location"] == dashboard_url(business)
    business.refresh_from_db()
    assert business.name == "Boulangerie Ti Pain"
    assert business.address == "12 rue Victor Hugo"


def test_edit_bad_input_changes_nothing_not_even_the_header(client_as, business, owner):
    client = client_as(owner)
    response = client.post(edit_url(business), business_data(name="Nouveau nom", town=""))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="Nouveau nom"' in body  # what was typed stays in the form
    assert '<span class="here">Boulangerie Test' in body  # the header shows what is saved
    business.refresh_from_db()
    assert business.name == "Boulangerie Test"
    assert client.post(edit_url(business), business_data(name=oversized())).status_code == 400


# Dashboard and till -------------------------------------------------------------------------------


def test_dashboard_is_a_real_home_for_the_owner(client_as, business, owner, helper, cashier):
    body = client_as(owner).get(dashboard_url(business)).content.decode()
    assert "Boulangerie Test" in body
    assert "Prochaine étape" in body
    assert reverse("diagnostic:report", args=[business.public_id]) in body
    assert "Fort-de-France" in body and "Martinique (America/Martinique)" in body
    assert "Boulangerie, pâtisserie" in body
    assert "3 personnes dans l’équipe" in body
    assert edit_url(business) in body
    assert reverse("accounts:members", args=[business.public_id]) in body


def test_dashboard_for_a_helper_has_no_edit_or_team_links(client_as, business, helper):
    body = client_as(helper).get(dashboard_url(business)).content.decode()
    assert "Boulangerie Test" in body
    assert edit_url(business) not in body
    assert reverse("accounts:members", args=[business.public_id]) not in body


def test_dashboard_counts_pending_invitations(client_as, business, owner, make_invitation):
    make_invitation()
    body = client_as(owner).get(dashboard_url(business)).content.decode()
    assert "1 invitation en attente de réponse" in body


def test_till_home_who_may(client_as, business, owner, cashier, helper, outsider):
    url = reverse("accounts:till_home", args=[business.public_id])
    page = client_as(cashier).get(url)
    assert page.status_code == 302
    assert page["Location"] == reverse("tracking:till", args=[business.public_id])
    assert client_as(owner).get(url).status_code == 302
    assert client_as(helper).get(url).status_code == 403
    assert client_as(outsider).get(url).status_code == 404
    assert client_as(None).get(url).status_code == 302


def test_an_unknown_business_id_is_a_404(client_as, owner):
    url = reverse("accounts:dashboard", args=["00000000-0000-0000-0000-000000000000"])
    assert client_as(owner).get(url).status_code == 404
