import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_dashboard_answers_owner_refuses_cashier_politely_and_hides_from_outsider(
    business, owner, cashier, outsider, client_as
):
    url = reverse("accounts:dashboard", args=[business.public_id])
    assert client_as(owner).get(url).status_code == 200
    refused = client_as(cashier).get(url)
    assert refused.status_code == 403
    body = refused.content.decode()
    assert "Cette page ne fait pas partie de votre rôle" in body
    assert "Boulangerie Test" not in body.split("<main", 1)[1]  # nothing of the page leaks
    assert client_as(outsider).get(url).status_code == 404
    anonymous = client_as(None).get(url)
    assert anonymous.status_code == 302 and reverse("accounts:login") in anonymous["Location"]
