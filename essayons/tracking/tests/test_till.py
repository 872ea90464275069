"""The till: every answer, amounts, replayed taps, concurrency, and who may use it."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.urls import reverse

from essayons.tracking.models import DeclaredSource, PromoCode, Redemption
from essayons.tracking.till_services import (
    TillAnswer,
    amount_parse,
    code_create,
    code_redeem,
    source_declare,
    tap_time,
)


@pytest.fixture
def galette(business):
    return code_create(business=business, code="GALETTE27", description="-10 % en boutique")


@pytest.fixture
def once(business):
    return code_create(business=business, code="MERCIK7Q3XM", single_use=True)


def _url(name, business):
    return reverse(f"tracking:{name}", args=[business.public_id])


def _redeem(client, business, code, amount, key=None, as_json=True):
    headers = {"HTTP_ACCEPT": "application/json"} if as_json else {}
    return client.post(
        _url("till_redeem", business),
        {"code": code, "amount": amount, "client_key": str(key or uuid.uuid4())},
        **headers,
    )


# --- Amounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("12,50", Decimal("12.50")),
        ("12.5", Decimal("12.50")),
        ("8", Decimal("8.00")),
        (" 1 066,00 € ", Decimal("1066.00")),
        ("1\u202f066,5", Decimal("1066.50")),
        ("0", Decimal("0.00")),
        ("10000", Decimal("10000.00")),
    ],
)
def test_amounts_typed_in_french(text, amount):
    parsed = amount_parse(text)
    assert parsed == amount and isinstance(parsed, Decimal)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("-3", "negative"),
        ("-0,50", "negative"),
        ("1e9", "invalid"),
        ("abc", "invalid"),
        ("12,505", "invalid"),
        ("12,50,3", "invalid"),
        ("NaN", "invalid"),
        ("Infinity", "invalid"),
        ("", "required"),
        ("   ", "required"),
        ("10000,01", "too_big"),
        ("999999", "too_big"),
    ],
)
def test_bad_amounts_are_refused(text, code):
    with pytest.raises(ValidationError) as caught:
        amount_parse(text)
    assert caught.value.code == code


# --- Every answer of the till -----------------------------------------------------------------


@pytest.mark.django_db
def test_code_recorded_with_its_amount(client_as, cashier, business, galette):
    response = _redeem(client_as(cashier), business, "galette27 ", "12,50")
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True and data["kind"] == "recorded"
    assert data["message"] == "C’est noté : GALETTE27, panier de 12,50 €."
    assert data["detail"] == "À appliquer : -10 % en boutique"
    assert data["today"] == "Aujourd’hui : 1 code, 0 réponse"
    redemption = Redemption.objects.get()
    assert redemption.amount == Decimal("12.50")
    assert (redemption.promo_code, redemption.recorded_by, redemption.business) == (
        galette,
        cashier,
        business,
    )
    galette.refresh_from_db()
    assert galette.uses == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setup", "kind", "words"),
    [
        ({}, "unknown", "Code inconnu : NOPE42"),
        ({"is_active": False}, "inactive", "a été désactivé"),
        (
            {"valid_from": date(2099, 1, 1)},
            "not_yet",
            "n’est pas encore valable : il commence le 1 janvier 2099",
        ),
        ({"valid_until": date(2020, 1, 31)}, "expired", "a expiré le 31 janvier 2020"),
        ({"max_uses": 0}, "cap_reached", "autant de fois que prévu (0)"),
    ],
)
def test_refusals_say_why_in_french(client_as, cashier, business, galette, setup, kind, words):
    PromoCode.objects.filter(pk=galette.pk).update(**setup)
    code = "NOPE42" if kind == "unknown" else "GALETTE27"
    response = _redeem(client_as(cashier), business, code, "12,50")
    data = response.json()
    assert (response.status_code, data["ok"], data["kind"]) == (200, False, kind)
    assert words in data["message"]
    assert Redemption.objects.count() == 0


@pytest.mark.django_db
def test_single_use_code_succeeds_once(client_as, cashier, business, once):
    client = client_as(cashier)
    first = _redeem(client, business, "MERCIK7Q3XM", "20").json()
    second = _redeem(client, business, "MERCIK7Q3XM", "20").json()
    assert first["ok"] is True
    assert (second["ok"], second["kind"]) == (False, "used")
    assert "déjà utilisé" in second["message"]
    once.refresh_from_db()
    assert once.uses == 1 and Redemption.objects.count() == 1


@pytest.mark.django_db
def test_cap_allows_exactly_max_uses(business):
    capped = code_create(business=business, code="TROIS3", max_uses=3)
    answers = [
        code_redeem(
            business=business,
            code="TROIS3",
            amount=Decimal("5"),
            client_key=uuid.uuid4(),
            recorded_by=None,
        ).answer
        for _ in range(4)
    ]
    assert answers == [TillAnswer.RECORDED] * 3 + [TillAnswer.CAP_REACHED]
    capped.refresh_from_db()
    assert capped.uses == 3


@pytest.mark.django_db
def test_replayed_client_key_is_counted_once(client_as, cashier, business, once):
    client = client_as(cashier)
    key = uuid.uuid4()
    first = _redeem(client, business, "MERCIK7Q3XM", "20", key=key).json()
    again = _redeem(client, business, "MERCIK7Q3XM", "20", key=key).json()
    assert first["ok"] is again["ok"] is True  # the retry hears the same success
    assert first["message"] == again["message"]
    once.refresh_from_db()
    assert once.uses == 1 and Redemption.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("-3", "ne peut pas être négatif"),
        ("1e9", "en euros et centimes"),
        ("abc", "en euros et centimes"),
        ("", "Indiquez le montant du panier"),
        ("20000", "Vérifiez le montant"),
    ],
)
def test_bad_amounts_at_the_till(client_as, cashier, business, galette, amount, words):
    response = _redeem(client_as(cashier), business, "GALETTE27", amount)
    assert response.status_code == 400
    data = response.json()
    assert data["ok"] is False and words in data["message"]
    assert Redemption.objects.count() == 0
    galette.refresh_from_db()
    assert galette.uses == 0


@pytest.mark.django_db
def test_till_without_javascript_keeps_what_was_typed(client_as, cashier, business, galette):
    client = client_as(cashier)
    refused = _redeem(client, business, "<b>GALETE27</b>", "12,50", as_json=False)
    html = refused.content.decode()
    assert refused.status_code == 200
    assert "Code inconnu : BGALETE27B" in html
    assert 'value="&lt;b&gt;GALETE27&lt;/b&gt;"' in html and "<b>GALETE27</b>" not in html
    assert 'value="12,50"' in html
    bad_amount = _redeem(client, business, "GALETTE27", "-3", as_json=False)
    assert bad_amount.status_code == 400
    assert "ne peut pas être négatif" in bad_amount.content.decode()
    recorded = _redeem(client, business, "GALETTE27", "12,50", as_json=False)
    assert "C’est noté" in recorded.content.decode()
    assert "À appliquer : -10 % en boutique" in recorded.content.decode()
    assert Redemption.objects.count() == 1


@pytest.mark.django_db
def test_oversized_and_malformed_posts_are_4xx(client_as, cashier, business, galette):
    client = client_as(cashier)
    response = client.post(
        _url("till_redeem", business),
        {"code": "G" * 5000, "amount": "1" * 5000, "client_key": "not-a-uuid"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert client.get(_url("till_redeem", business)).status_code == 405
    assert Redemption.objects.count() == 0


@pytest.mark.django_db
def test_validity_follows_the_business_local_day(business, galette):
    PromoCode.objects.filter(pk=galette.pk).update(valid_until=date(2027, 1, 17))
    # 02:00 UTC on the 18th is still 22:00 on the 17th in Martinique.
    late_evening = datetime(2027, 1, 18, 2, 0, tzinfo=UTC)
    outcome = code_redeem(
        business=business,
        code="GALETTE27",
        amount=Decimal("9"),
        client_key=uuid.uuid4(),
        recorded_by=None,
        at=late_evening,
    )
    assert outcome.answer == TillAnswer.RECORDED
    next_morning = datetime(2027, 1, 18, 12, 0, tzinfo=UTC)
    outcome = code_redeem(
        business=business,
        code="GALETTE27",
        amount=Decimal("9"),
        client_key=uuid.uuid4(),
        recorded_by=None,
        at=next_morning,
    )
    assert outcome.answer == TillAnswer.EXPIRED


def test_tap_time_trusts_the_phone_clock_only_within_bounds():
    now = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
    hour_ago = int((now - timedelta(hours=1)).timestamp() * 1000)
    assert tap_time(hour_ago, now=now) == now - timedelta(hours=1)
    assert tap_time(int((now - timedelta(days=10)).timestamp() * 1000), now=now) == now
    assert tap_time(int((now + timedelta(hours=1)).timestamp() * 1000), now=now) == now
    assert tap_time(10**30, now=now) == now
    assert tap_time(None, now=now) == now


# --- How did you hear of us? ------------------------------------------------------------------


@pytest.mark.django_db
def test_heard_from_tap_is_recorded_once_per_key(client_as, cashier, business):
    client = client_as(cashier)
    key = str(uuid.uuid4())
    for _ in range(2):
        response = client.post(
            _url("till_declare", business),
            {"source": "facebook", "client_key": key},
            HTTP_ACCEPT="application/json",
        )
        assert response.status_code == 200
        assert response.json()["message"] == "Merci ! « Facebook » est noté."
    client.post(
        _url("till_declare", business),
        {"source": "friend", "client_key": str(uuid.uuid4())},
        HTTP_ACCEPT="application/json",
    )
    assert DeclaredSource.objects.filter(business=business, source="facebook").count() == 1
    assert DeclaredSource.objects.filter(business=business).count() == 2
    bad = client.post(
        _url("till_declare", business),
        {"source": "<script>", "client_key": str(uuid.uuid4())},
        HTTP_ACCEPT="application/json",
    )
    assert bad.status_code == 400
    assert DeclaredSource.objects.count() == 2


@pytest.mark.django_db
def test_source_declare_service_reports_replays(business):
    key = uuid.uuid4()
    first, created = source_declare(
        business=business, source="google", client_key=key, recorded_by=None
    )
    again, created_again = source_declare(
        business=business, source="google", client_key=key, recorded_by=None
    )
    assert (created, created_again, first.pk) == (True, False, again.pk)
    with pytest.raises(ValueError):
        source_declare(business=business, source="tv", client_key=uuid.uuid4(), recorded_by=None)


# --- The page and who may use it ----------------------------------------------------------------


@pytest.mark.django_db
def test_till_page_for_a_phone(client_as, cashier, business, galette):
    code_redeem(
        business=business,
        code="GALETTE27",
        amount=Decimal("3"),
        client_key=uuid.uuid4(),
        recorded_by=cashier,
    )
    html = client_as(cashier).get(_url("till", business)).content.decode()
    assert 'inputmode="decimal"' in html and 'autocapitalize="characters"' in html
    assert "Aujourd’hui : 1 code, 0 réponse" in html
    for label in ("Facebook", "Instagram", "Google", "Un ami, la famille", "En passant devant"):
        assert label in html
    assert "tracking/till.js" in html


@pytest.mark.django_db
def test_today_count_is_the_local_day(business, galette):
    from essayons.tracking.till_queries import till_today

    now = datetime(2027, 1, 10, 3, 0, tzinfo=UTC)  # 23:00 on the 9th in Martinique
    Redemption.objects.create(
        business=business,
        promo_code=galette,
        at=now - timedelta(hours=1),
        amount=1,
        client_key=uuid.uuid4(),
    )
    Redemption.objects.create(
        business=business,
        promo_code=galette,
        at=now - timedelta(hours=23),
        amount=1,
        client_key=uuid.uuid4(),
    )
    Redemption.objects.create(
        business=business,
        promo_code=galette,
        at=now + timedelta(hours=2),
        amount=1,
        client_key=uuid.uuid4(),
    )
    assert till_today(business, now=now).codes == 2


@pytest.mark.django_db
def test_who_may_use_the_till(
    client_as, owner, advisor, cashier, helper, outsider, business, galette
):
    for person in (owner, advisor, cashier):
        assert client_as(person).get(_url("till", business)).status_code == 200
    assert client_as(helper).get(_url("till", business)).status_code == 403
    assert client_as(outsider).get(_url("till", business)).status_code == 404
    assert client_as(None).get(_url("till", business)).status_code == 302
    assert _redeem(client_as(helper), business, "GALETTE27", "5").status_code == 403
    assert _redeem(client_as(outsider), business, "GALETTE27", "5").status_code == 404
    assert Redemption.objects.count() == 0


@pytest.mark.django_db
def test_cashier_sees_the_till_and_nothing_else(client_as, cashier, business):
    client = client_as(cashier)
    for name in ("links", "link_new", "codes", "code_new", "codes_generate"):
        assert client.get(_url(name, business)).status_code == 403, name


@pytest.mark.django_db
def test_codes_of_another_business_are_unknown(
    client_as, outsider, other_business, business, galette
):
    response = _redeem(client_as(outsider), other_business, "GALETTE27", "5")
    assert response.json()["kind"] == "unknown"
    galette.refresh_from_db()
    assert galette.uses == 0


# --- Concurrency (PostgreSQL) ---------------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="runs on PostgreSQL only: SQLite serialises writers, so there is no race to test",
)
@pytest.mark.django_db(transaction=True)
def test_single_use_code_redeemed_twice_at_once_succeeds_once(business):
    for attempt in range(10):
        code_create(business=business, code=f"UNIQUE{attempt}", single_use=True)
        barrier = threading.Barrier(2)
        answers = []

        def redeem(code=f"UNIQUE{attempt}", barrier=barrier, answers=answers):
            try:
                barrier.wait()
                outcome = code_redeem(
                    business=business,
                    code=code,
                    amount=Decimal("10"),
                    client_key=uuid.uuid4(),
                    recorded_by=None,
                )
                answers.append(outcome.answer)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=redeem) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(answers) == sorted([TillAnswer.RECORDED, TillAnswer.USED])
        promo = PromoCode.objects.get(code=f"UNIQUE{attempt}")
        assert promo.uses == 1
        assert Redemption.objects.filter(promo_code=promo).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="runs on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_the_same_tap_sent_twice_at_once_counts_once(business):
    code_create(business=business, code="MULTI", max_uses=None)
    key = uuid.uuid4()
    barrier = threading.Barrier(2)
    answers = []

    def redeem():
        try:
            barrier.wait()
            outcome = code_redeem(
                business=business,
                code="MULTI",
                amount=Decimal("4"),
                client_key=key,
                recorded_by=None,
            )
            answers.append(outcome.answer)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=redeem) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [TillAnswer.RECORDED, TillAnswer.RECORDED]
    assert Redemption.objects.count() == 1
    assert PromoCode.objects.get(code="MULTI").uses == 1
