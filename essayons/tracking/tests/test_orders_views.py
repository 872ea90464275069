"""Orders pages: connecting a shop (secret never shown back), the list, who may do what."""

import pytest
from django.urls import reverse

from essayons.tracking.models import Order, ShopConnection
from essayons.tracking.orders_services import shop_connection_create

pytestmark = pytest.mark.django_db


def test_connect_a_shop_then_see_its_webhook_url_but_never_its_secret(business, owner, client_as):
    client = client_as(owner)
    answer = client.post(
        reverse("tracking:shop_connect", args=[business.public_id]),
        {"platform": "woocommerce", "label": "boutique.ti-pain.fr", "secret": "wc-secret-123456"},
    )
    connection = ShopConnection.objects.get()
    assert answer.status_code == 302 and connection.business == business
    page = client.get(answer["Location"]).content.decode()
    assert f"/webhooks/woocommerce/{connection.hook_id}/" in page
    assert "wc-secret-123456" not in page and "Commande créée" in page
    assert connection.secret() == "wc-secret-123456"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"platform": "", "label": "x", "secret": "12345678"},
            "Choisissez WooCommerce ou Shopify.",
        ),
        (
            {"platform": "shopify", "label": "", "secret": "12345678"},
            "Indiquez l&#x27;adresse de votre boutique.",
        ),
        ({"platform": "shopify", "label": "x", "secret": "short"}, "Ce secret est trop court"),
        (
            {"platform": "shopify", "label": "x" * 201, "secret": "12345678"},
            "200 caractères au maximum.",
        ),
        (
            {"platform": "magento", "label": "x", "secret": "12345678"},
            "Sélectionnez un choix valide",
        ),
    ],
)
def test_connect_form_errors_are_french_and_keep_what_was_typed(
    business, owner, client_as, data, message
):
    answer = client_as(owner).post(
        reverse("tracking:shop_connect", args=[business.public_id]), data
    )
    body = answer.content.decode()
    assert answer.status_code == 200 and message in body
    if data["label"] and len(data["label"]) < 50:
        assert f'value="{data["label"]}"' in body
    assert ShopConnection.objects.count() == 0


def test_hostile_label_is_escaped(business, owner, client_as):
    client = client_as(owner)
    client.post(
        reverse("tracking:shop_connect", args=[business.public_id]),
        {"platform": "shopify", "label": "<script>alert(1)</script>", "secret": "12345678"},
    )
    page = client.get(reverse("tracking:orders", args=[business.public_id])).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_change_secret_and_disconnect(business, owner, client_as):
    connection = shop_connection_create(
        business=business, platform="shopify", label="x", secret="old-secret-1"
    )
    client = client_as(owner)
    detail = reverse("tracking:shop_detail", args=[business.public_id, connection.pk])
    assert client.post(detail, {"secret": "new-secret-2"}).status_code == 302
    connection.refresh_from_db()
    assert connection.secret() == "new-secret-2"
    client.post(reverse("tracking:shop_disconnect", args=[business.public_id, connection.pk]))
    connection.refresh_from_db()
    assert not connection.is_active
    assert client.get(detail).status_code == 404


def test_who_may_do_what(business, owner, helper, cashier, outsider, client_as, other_business):
    theirs = shop_connection_create(
        business=other_business, platform="shopify", label="y", secret="their-secret"
    )
    orders = reverse("tracking:orders", args=[business.public_id])
    connect = reverse("tracking:shop_connect", args=[business.public_id])
    assert client_as(owner).get(orders).status_code == 200
    helped = client_as(helper).get(orders)
    assert helped.status_code == 200 and connect not in helped.content.decode()
    assert client_as(helper).get(connect).status_code == 403
    assert client_as(cashier).get(orders).status_code == 403
    assert client_as(outsider).get(orders).status_code == 404
    foreign = reverse("tracking:shop_detail", args=[business.public_id, theirs.pk])
    assert client_as(owner).get(foreign).status_code == 404
    assert (
        client_as(owner)
        .post(reverse("tracking:shop_disconnect", args=[business.public_id, theirs.pk]))
        .status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.is_active and Order.objects.count() == 0
