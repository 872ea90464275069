"""Ad spend pages: a boosted post by hand, the Meta account, the list, who may do what."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from essayons.lib import http
from essayons.lib.http import FakeTransport, Response
from essayons.tracking.models import AdSpend, Campaign, MetaAdAccount

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(business):
    return Campaign.objects.create(
        business=business, name="Galette des rois", slug="galette-des-rois"
    )


def _manual(**changes):
    data = {
        "label": "Post galette boosté",
        "period_start": "2027-01-04",
        "period_end": "2027-01-10",
        "spend": "30,00",
        "reach": "1200",
        "page_likes": "35",
        "link_clicks": "",
    }
    data.update(changes)
    return data


def test_boosted_post_by_hand_then_again_updates_it(business, owner, client_as, campaign):
    client = client_as(owner)
    url = reverse("tracking:ads_manual", args=[business.public_id])
    assert client.post(url, _manual(campaign=campaign.pk)).status_code == 302
    assert client.post(url, _manual(campaign=campaign.pk, spend="32,50")).status_code == 302
    row = AdSpend.objects.get()
    assert (row.spend, row.reach, row.page_likes, row.link_clicks, row.source, row.campaign) == (
        Decimal("32.50"),
        1200,
        35,
        None,
        "manual",
        campaign,
    )
    assert (row.period_start, row.period_end) == (date(2027, 1, 4), date(2027, 1, 10))
    client.post(reverse("tracking:ads_delete", args=[business.public_id, row.pk]))
    assert AdSpend.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"spend": "-3"}, "ne peut pas être négatif"),
        ({"spend": "trente"}, "n&#x27;est pas un nombre"),
        ({"spend": "99999999999"}, "Vérifiez le montant"),
        ({"period_end": "2027-01-01"}, "Le dernier jour est avant le premier."),
        ({"reach": "-1"}, "Ne peut pas être négatif."),
        ({"reach": "beaucoup"}, "Un nombre entier"),
        ({"campaign": "999999"}, "Choisissez une de vos campagnes."),
        ({"label": "x" * 201}, "200 caractères au maximum."),
    ],
)
def test_manual_entry_errors_keep_what_was_typed(
    business, owner, client_as, campaign, changes, message
):
    data = _manual(**{"campaign": campaign.pk, **changes})
    answer = client_as(owner).post(reverse("tracking:ads_manual", args=[business.public_id]), data)
    body = answer.content.decode()
    assert answer.status_code == 200 and message in body
    assert 'value="Post galette boosté"' in body or "x" * 201 in body
    assert AdSpend.objects.count() == 0


def test_campaign_of_another_business_cannot_be_chosen(business, owner, client_as, other_business):
    theirs = Campaign.objects.create(business=other_business, name="Ailleurs", slug="ailleurs")
    answer = client_as(owner).post(
        reverse("tracking:ads_manual", args=[business.public_id]), _manual(campaign=theirs.pk)
    )
    assert answer.status_code == 200 and AdSpend.objects.count() == 0


def test_hostile_label_is_escaped_on_the_list(business, owner, client_as, campaign):
    client = client_as(owner)
    client.post(
        reverse("tracking:ads_manual", args=[business.public_id]),
        _manual(campaign=campaign.pk, label="<b onmouseover=x>"),
    )
    page = client.get(reverse("tracking:ads", args=[business.public_id])).content.decode()
    assert "<b onmouseover" not in page and "&lt;b onmouseover=x&gt;" in page


def test_meta_account_saved_encrypted_and_synced_through_the_fake(business, owner, client_as):
    token = "EAAGm0PX4ZCpsBAKZCZBn2g9token0123456789"
    with http.use_transport(FakeTransport(Response.of_json({"data": []}))) as fake:
        answer = client_as(owner).post(
            reverse("tracking:ads_meta", args=[business.public_id]),
            {"account_id": "act_1234567890", "token": token},
        )
    assert answer.status_code == 302
    account = MetaAdAccount.objects.get()
    assert account.account_id == "1234567890" and token not in account.token_encrypted
    assert fake.last.headers["Authorization"] == f"Bearer {token}"
    page = client_as(owner).get(reverse("tracking:ads", args=[business.public_id])).content.decode()
    assert token not in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"account_id": "abc", "token": "EAAGm0PX4ZCpsBAKZCZBn2g9"}, "Des chiffres seulement"),
        ({"account_id": "1234567890", "token": "short"}, "ne ressemble pas"),
    ],
)
def test_meta_account_form_errors(business, owner, client_as, data, message):
    answer = client_as(owner).post(reverse("tracking:ads_meta", args=[business.public_id]), data)
    assert answer.status_code == 200 and message in answer.content.decode()
    assert MetaAdAccount.objects.count() == 0


def test_who_may_do_what(business, owner, helper, cashier, outsider, client_as, campaign):
    ads = reverse("tracking:ads", args=[business.public_id])
    manual = reverse("tracking:ads_manual", args=[business.public_id])
    assert client_as(owner).get(ads).status_code == 200
    assert (
        client_as(helper).get(ads).status_code == 200
        and manual not in client_as(helper).get(ads).content.decode()
    )
    assert client_as(helper).get(manual).status_code == 403
    assert client_as(cashier).get(ads).status_code == 403
    assert client_as(outsider).get(ads).status_code == 404
    assert client_as(outsider).get(manual).status_code == 404
