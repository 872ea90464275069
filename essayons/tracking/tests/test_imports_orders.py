"""Orders from any other shop by spreadsheet: preview, all or nothing, never twice."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from essayons.tracking.imports_services import (
    AlreadyImported,
    ImportInvalid,
    import_batch_apply,
    import_batch_create,
    import_batch_preview,
)
from essayons.tracking.models import Order, OrderStatus

pytestmark = pytest.mark.django_db

ORDERS = (
    "\ufeffN° de commande;Date;Total TTC;Statut;Code promo;utm_campaign;Client\r\n"
    "A-1001;05/01/2027 10:15;31,20;Payée;galette27;;Maëlle Céleste\r\n"
    "A-1002;2027-01-06 18:40;1 024,00;annulée;;galette-des-rois;José\r\n"
    "A-1003;07/01/2027;12,5;;;;\r\n"
)


def _import(business, owner, text):
    batch = import_batch_create(
        business=business,
        kind="orders",
        filename="commandes.csv",
        content=text.encode(),
        user=owner,
    )
    preview = import_batch_preview(batch=batch)
    return batch, preview


def test_orders_file_is_imported_with_local_times_statuses_and_codes(business, owner):
    batch, preview = _import(business, owner, ORDERS)
    assert preview.parsed.ok and preview.unknown == []
    summary = import_batch_apply(batch=batch, mapping=preview.mapping)
    assert summary.created == 3
    first = Order.objects.get(external_id="A-1001")
    assert (
        first.source == "csv"
        and first.total == Decimal("31.20")
        and first.status == OrderStatus.PAID
    )
    assert first.coupon_list == ["GALETTE27"]
    assert first.placed_at == datetime(2027, 1, 5, 14, 15, tzinfo=UTC)  # 10:15 in Martinique
    assert Order.objects.get(external_id="A-1002").status == OrderStatus.CANCELLED
    assert Order.objects.get(external_id="A-1002").total == Decimal("1024.00")
    assert Order.objects.get(external_id="A-1003").status == OrderStatus.PAID


def test_same_file_twice_and_overlapping_file(business, owner):
    batch, preview = _import(business, owner, ORDERS)
    import_batch_apply(batch=batch, mapping=preview.mapping)
    with pytest.raises(AlreadyImported):
        _import(business, owner, ORDERS)
    again = ORDERS.replace("12,5;", "13,5;") + "A-1004;08/01/2027;9,90;;;;\r\n"
    batch, preview = _import(business, owner, again)
    summary = import_batch_apply(batch=batch, mapping=preview.mapping)
    assert (summary.created, summary.updated, summary.unchanged) == (1, 1, 2)
    assert Order.objects.count() == 4


def test_bad_lines_are_numbered_and_nothing_is_saved(business, owner):
    bad = (
        ORDERS
        + "A-1001;08/01/2027;5,00;;;;\r\n"
        + ";08/01/2027;5,00;;;;\r\n"
        + "A-9;demain;5;;;;\r\n"
        + "A-10;08/01/2027;-3;;;;\r\n"
        + "A-11;08/01/2027;3;perdue;;;\r\n"
    )
    batch, preview = _import(business, owner, bad)
    lines = {p.line: p.message for p in preview.parsed.problems}
    assert set(lines) == {5, 6, 7, 8, 9}
    assert "déjà à la ligne 2" in lines[5]
    assert (
        "vide" in lines[6]
        and "n'est pas une date" in lines[7]
        and "entre 0 et" in lines[8]
        and "Statut inconnu" in lines[9]
    )
    with pytest.raises(ImportInvalid):
        import_batch_apply(batch=batch, mapping=preview.mapping)
    assert Order.objects.count() == 0


def test_missing_required_columns(business, owner):
    _batch, preview = _import(business, owner, "Commande;Montant\nA;1\n")
    assert not preview.parsed.ok
    assert any("Date" in p.message for p in preview.parsed.problems)


def test_screens_and_rights(business, owner, helper, outsider, client_as):
    url = reverse("tracking:import_upload", args=[business.public_id, "commandes"])
    assert client_as(helper).get(url).status_code == 403
    assert client_as(outsider).get(url).status_code == 404
    client = client_as(owner)
    answer = client.post(url, {"file": SimpleUploadedFile("c.csv", ORDERS.encode())})
    page = client.get(answer["Location"])
    assert "A-1001" in page.content.decode() and Order.objects.count() == 0
    fields = {
        name: field.initial for name, field in page.context["form"].fields.items() if field.initial
    }
    done = client.post(answer["Location"], {**fields, "action": "confirm"})
    assert done.status_code == 302 and done["Location"].endswith("/ventes-en-ligne/")
    assert Order.objects.count() == 3
