"""The Ads Manager export: French and English, BOM, mojibake, semicolons, comma decimals, XLSX,
extra and missing columns, the mapping screen, all or nothing, the same file twice."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from essayons.tracking.imports_services import (
    AlreadyImported,
    ImportInvalid,
    import_batch_apply,
    import_batch_create,
    import_batch_preview,
)
from essayons.tracking.imports_table import decimal_parse, text_decode
from essayons.tracking.models import AdSpend, Campaign, ImportBatch, ImportState

pytestmark = pytest.mark.django_db

FRENCH = (
    "\ufeffNom de la campagne;Début des rapports;Fin des rapports;Montant dépensé (EUR);Couverture;"
    "Impressions;Clics sur un lien;Mentions J'aime sur la Page;Achats;Résultats;Indicateur de résultats\r\n"
    "Galette des rois;2027-01-04;2027-01-17;500,00;150000;412000;1900;800;6;800;actions:like\r\n"
    "Fête des mères;2027-05-20;2027-05-31;1 234,56;12 000;40 000;300;;2;;\r\n"
)
ENGLISH = (
    "Reporting starts,Reporting ends,Campaign name,Amount spent (EUR),Reach,Impressions,Link clicks,"
    "Page likes,Purchases,Cost per result,CTR (all)\n"
    "2027-01-04,2027-01-17,Galette des rois,500.00,150000,412000,1900,800,6,0.625,1.2\n"
    '2027-05-20,2027-05-31,"Fête des mères","1,234.56",12000,40000,300,,2,,\n'
)


def _create(business, owner, content, name="export.csv"):
    return import_batch_create(
        business=business, kind="ads", filename=name, content=content, user=owner
    )


def _import(business, owner, content, name="export.csv"):
    batch = _create(business, owner, content, name)
    preview = import_batch_preview(batch=batch)
    return import_batch_apply(batch=batch, mapping=preview.mapping), preview


def _galette():
    return AdSpend.objects.get(ad_campaign_name="Galette des rois")


@pytest.mark.parametrize(
    "content", [FRENCH.encode("utf-8"), ENGLISH.encode("utf-8")], ids=["french", "english"]
)
def test_french_and_english_exports_give_the_same_rows(business, owner, content):
    summary, preview = _import(business, owner, content)
    assert summary.created == 2 and preview.unknown == []
    row = _galette()
    assert (
        row.spend,
        row.reach,
        row.impressions,
        row.link_clicks,
        row.page_likes,
        row.purchases,
    ) == (Decimal("500.00"), 150000, 412000, 1900, 800, 6)
    assert (row.period_start, row.period_end, row.currency) == (
        date(2027, 1, 4),
        date(2027, 1, 17),
        "EUR",
    )
    fete = AdSpend.objects.get(ad_campaign_name="Fête des mères")
    assert fete.spend == Decimal("1234.56") and fete.reach == 12000 and fete.page_likes is None


def test_each_network_campaign_is_tied_to_ours_by_name_or_created(business, owner):
    ours = Campaign.objects.create(business=business, name="Galette des Rois", slug="galette27")
    _import(business, owner, FRENCH.encode())
    assert _galette().campaign == ours
    created = Campaign.objects.get(business=business, name="Fête des mères")
    assert created.slug == "fete-des-meres" and created.starts_on == date(2027, 5, 20)


def test_windows_1252_file_is_read(business, owner):
    summary, preview = _import(business, owner, FRENCH.replace("\ufeff", "").encode("cp1252"))
    assert summary.created == 2
    assert any("Windows-1252" in note for note in preview.notes)
    assert AdSpend.objects.filter(ad_campaign_name="Fête des mères").exists()


def test_mojibake_is_repaired(business, owner):
    garbled = (
        FRENCH.encode("utf-8").decode("cp1252").encode("utf-8")
    )  # UTF-8 read as 1252, saved again
    assert "DÃ©but" in garbled.decode()
    summary, preview = _import(business, owner, garbled)
    assert summary.created == 2 and any(
        "réparées" in note or "repaired" in note for note in preview.notes
    )
    assert AdSpend.objects.filter(ad_campaign_name="Fête des mères").exists()


def test_xlsx_export_is_read(business, owner):
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "Nom de la campagne",
            "Début des rapports",
            "Fin des rapports",
            "Montant dépensé (EUR)",
            "Couverture",
            "Mentions J'aime sur la Page",
        ]
    )
    sheet.append(["Galette des rois", date(2027, 1, 4), date(2027, 1, 17), 500.0, 150000, 800])
    sheet.append(["Petit déjeuner", "2027-02-01", "2027-02-07", 19.99, 3000, None])
    buffer = io.BytesIO()
    book.save(buffer)
    summary, _preview = _import(business, owner, buffer.getvalue(), "export.xlsx")
    assert summary.created == 2
    assert _galette().spend == Decimal("500.00") and _galette().reach == 150000
    assert AdSpend.objects.get(ad_campaign_name="Petit déjeuner").spend == Decimal("19.99")


def test_same_file_twice_changes_nothing(business, owner):
    _import(business, owner, FRENCH.encode())
    before = list(AdSpend.objects.values_list("pk", "updated_at"))
    with pytest.raises(AlreadyImported):
        _create(business, owner, FRENCH.encode())
    assert list(AdSpend.objects.values_list("pk", "updated_at")) == before


def test_overlapping_file_updates_rows_in_place(business, owner):
    _import(business, owner, FRENCH.encode())
    newer = FRENCH.replace("500,00", "512,40")
    summary, _preview = _import(business, owner, newer.encode())
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    assert AdSpend.objects.count() == 2 and _galette().spend == Decimal("512.40")


def test_errors_are_line_numbered_in_french_and_nothing_is_saved(business, owner, settings):
    settings.LANGUAGE_CODE = "fr"
    bad = (
        FRENCH
        + "Galette des rois;2027-01-04;2027-01-17;abc;1;1;1;1;1;;\r\n"
        + ";2027-02-01;2027-01-01;-5;1;1;1;1;1;;\r\n"
    )
    batch = _create(business, owner, bad.encode())
    preview = import_batch_preview(batch=batch)
    messages = {problem.line: problem.message for problem in preview.parsed.problems}
    assert "n'est pas un nombre" in messages[4]
    assert messages[5] == "Le nom de la campagne est vide."
    with pytest.raises(ImportInvalid):
        import_batch_apply(batch=batch, mapping=preview.mapping)
    assert AdSpend.objects.count() == 0
    assert ImportBatch.objects.get().state == ImportState.PENDING


def test_duplicate_period_in_the_file_is_an_error(business, owner):
    twice = FRENCH + "Galette des rois;04/01/2027;17/01/2027;1,00;1;1;1;1;1;;\r\n"
    preview = import_batch_preview(batch=_create(business, owner, twice.encode()))
    assert [p.line for p in preview.parsed.problems] == [4]


def test_other_currency_is_refused(business, owner):
    dollars = ENGLISH.replace("(EUR)", "(USD)")
    preview = import_batch_preview(batch=_create(business, owner, dollars.encode()))
    assert preview.parsed.problems and "USD" in preview.parsed.problems[0].message
    assert not preview.parsed.ok


def test_missing_columns_and_unknown_ones_call_for_the_mapping(business, owner):
    odd = "Campagne pub;Du;Au;Coût total;Truc inconnu\nGalette;2027-01-04;2027-01-17;12,00;x\n"
    batch = _create(business, owner, odd.encode())
    preview = import_batch_preview(batch=batch)
    assert not preview.parsed.ok
    assert set(preview.unknown) == {"Campagne pub", "Du", "Au", "Coût total", "Truc inconnu"}
    mapping = {"campaign_name": 0, "starts": 1, "ends": 2, "spend": 3}
    summary = import_batch_apply(batch=batch, mapping=mapping)
    assert summary.created == 1 and AdSpend.objects.get().spend == Decimal("12.00")


@pytest.mark.parametrize(
    ("text", "comma", "expected"),
    [
        ("1 234,56", True, "1234.56"),
        ("1\u202f234,56", True, "1234.56"),
        ("1,234.56", False, "1234.56"),
        ("1.234,56", True, "1234.56"),
        ("500", True, "500"),
        ("12,5 €", True, "12.5"),
        ("1,900", False, "1900"),
        ("1,9", False, "1.9"),
        ("1.234", True, "1234"),
    ],
)
def test_numbers_as_owners_write_them(text, comma, expected):
    assert decimal_parse(text, decimal_comma=comma) == Decimal(expected)


def test_utf16_excel_unicode_text_is_read():
    text, _notes = text_decode("Nom\tMontant\nGalette\t5,00\n".encode("utf-16"))
    assert text.startswith("Nom\tMontant")


# --- Through the screens ----------------------------------------------------------------------------


def _upload(client, business, content, name="export.csv"):
    url = reverse("tracking:import_upload", args=[business.public_id, "publicite"])
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def test_screens_preview_then_confirm(business, owner, client_as):
    client = client_as(owner)
    answer = _upload(client, business, FRENCH.encode())
    assert answer.status_code == 302
    page = client.get(answer["Location"])
    assert page.status_code == 200 and AdSpend.objects.count() == 0
    body = page.content.decode().replace("&#x27;", "'")
    assert "Galette des rois" in body and "Vérifiez avant d'importer" in body
    form = {name: field.initial for name, field in page.context["form"].fields.items()}
    done = client.post(
        answer["Location"],
        {**{k: v for k, v in form.items() if v}, "action": "confirm"},
        follow=True,
    )
    assert AdSpend.objects.count() == 2
    assert "2 lignes importées" in done.content.decode()
    again = _upload(client, business, FRENCH.encode())
    assert again.status_code == 302 and AdSpend.objects.count() == 2
    assert "déjà été importé" in client.get(again["Location"]).content.decode()


def test_screens_mapping_fix_then_confirm(business, owner, client_as):
    client = client_as(owner)
    odd = "Campagne pub;Du;Au;Coût total\nGalette;2027-01-04;2027-01-17;12,00\n"
    answer = _upload(client, business, odd.encode())
    page = client.get(answer["Location"])
    body = page.content.decode()
    assert (
        'value="confirm">Importer</button>' not in body
        and "n'ont pas été reconnues" in body.replace("&#x27;", "'")
    )
    assert "La colonne «\u00a0Nom de la campagne\u00a0» manque." in body
    wrong = client.post(
        answer["Location"],
        {"campaign_name": "0", "starts": "0", "ends": "2", "spend": "3", "action": "confirm"},
    )
    assert (
        wrong.status_code == 200
        and "déjà pour" in wrong.content.decode()
        and AdSpend.objects.count() == 0
    )
    right = client.post(
        answer["Location"],
        {"campaign_name": "0", "starts": "1", "ends": "2", "spend": "3", "action": "confirm"},
    )
    assert right.status_code == 302 and AdSpend.objects.get().spend == Decimal("12.00")


def test_hostile_file_content_is_shown_escaped(business, owner, client_as):
    client = client_as(owner)
    hostile = FRENCH.replace("Galette des rois", "<script>alert('x')</script>")
    answer = _upload(client, business, hostile.encode())
    body = client.get(answer["Location"]).content.decode()
    assert "<script>alert" not in body and "&lt;script&gt;" in body


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("export.pdf", b"%PDF", "CSV ou Excel"),
        ("export.csv", b"", "vide"),
        ("export.csv", b"x" * 5_000_001, "5 Mo"),
    ],
)
def test_bad_uploads_are_refused_next_to_the_field(
    business, owner, client_as, name, content, message
):
    answer = _upload(client_as(owner), business, content, name)
    assert answer.status_code == 200 and message in answer.content.decode()
    assert ImportBatch.objects.count() == 0


def test_unreadable_files_say_so(business, owner, client_as):
    client = client_as(owner)
    answer = _upload(client, business, b"\x00\x01 just one column\n", "x.csv")
    body = client.get(answer["Location"]).content.decode()
    assert "Aucune colonne" in body
    broken = _upload(client, business, b"PK\x03\x04 broken", "x.xlsx")
    assert "ne s&#x27;ouvre pas" in client.get(broken["Location"]).content.decode()


def test_who_may_import(business, owner, helper, cashier, outsider, client_as):
    url = reverse("tracking:import_upload", args=[business.public_id, "publicite"])
    assert client_as(owner).get(url).status_code == 200
    assert client_as(helper).get(url).status_code == 403
    assert client_as(cashier).get(url).status_code == 403
    assert client_as(outsider).get(url).status_code == 404
    assert (
        client_as(owner)
        .get(reverse("tracking:import_upload", args=[business.public_id, "nope"]))
        .status_code
        == 404
    )


def test_a_batch_of_another_business_is_404(business, owner, other_business, outsider, client_as):
    theirs = import_batch_create(
        business=other_business,
        kind="ads",
        filename="x.csv",
        content=FRENCH.encode(),
        user=outsider,
    )
    url = reverse("tracking:import_preview", args=[business.public_id, "publicite", theirs.pk])
    assert client_as(owner).get(url).status_code == 404
