"""The Meta Ads Manager export (CSV or XLSX), in French or English, into AdSpend rows.

The export has no published schema and its headers follow the owner's language
(CONTRACTS.md §1.3): the columns are recognised by their French and English names, the
currency is read from the spend header ("Montant dépensé (EUR)"), and whatever is not
recognised goes through the mapping screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from essayons.accounts.models import Business
from essayons.tracking.ads_services import AdRow, ad_rows_save, campaigns_match
from essayons.tracking.imports_core import (
    Column,
    Mapping,
    Parsed,
    Problem,
    Summary,
    columns_missing,
)
from essayons.tracking.imports_table import (
    CellError,
    Table,
    count_parse,
    date_parse,
    decimal_parse,
    header_currency,
    header_key,
)
from essayons.tracking.models import AdSource, ImportBatch, ImportKind
from essayons.tracking.results_format import count_text, money

MAX_SPEND = Decimal("10000000")
PREVIEW_ROWS = 20

COLUMNS = (
    Column(
        "campaign_name",
        gettext_lazy("Campaign name"),
        ("nom de la campagne", "campaign name", "campagne", "campaign"),
        required=True,
    ),
    Column(
        "adset_name",
        gettext_lazy("Ad set name"),
        ("nom de l ensemble de publicites", "ad set name"),
    ),
    Column("ad_name", gettext_lazy("Ad name"), ("nom de la publicite", "ad name")),
    Column(
        "spend",
        gettext_lazy("Amount spent"),
        ("montant depense", "amount spent", "montant depense total", "depense", "spend"),
        required=True,
    ),
    Column("reach", gettext_lazy("Reach"), ("couverture", "reach", "portee")),
    Column("impressions", gettext_lazy("Impressions"), ("impressions",)),
    Column(
        "link_clicks",
        gettext_lazy("Link clicks"),
        ("clics sur un lien", "clics sur le lien", "link clicks"),
    ),
    Column(
        "page_likes",
        gettext_lazy("Page likes"),
        ("mentions j aime sur la page", "j aime la page", "page likes"),
    ),
    Column("purchases", gettext_lazy("Purchases"), ("achats", "purchases")),
    Column(
        "starts",
        gettext_lazy("Reporting starts"),
        ("debut des rapports", "reporting starts", "date de debut", "debut"),
        required=True,
    ),
    Column(
        "ends",
        gettext_lazy("Reporting ends"),
        ("fin des rapports", "reporting ends", "date de fin", "fin"),
        required=True,
    ),
)

# Columns of the export that we knowingly leave aside (no mapping screen for them).
KNOWN_IGNORED = frozenset(
    header_key(name)
    for name in (
        "Résultats",
        "Results",
        "Indicateur de résultats",
        "Result indicator",
        "Coût par résultat",
        "Cost per result",
        "Clics (tous)",
        "Clicks (all)",
        "CTR (tous)",
        "CTR (all)",
        "CPC (tous)",
        "CPC (all)",
        "CPM (coût pour 1 000 impressions)",
        "CPM (cost per 1,000 impressions)",
        "Répétition",
        "Frequency",
        "Fréquence",
        "Statut de diffusion",
        "Delivery status",
        "Niveau de diffusion",
        "Delivery level",
        "Identifiant de la campagne",
        "Campaign ID",
        "Identifiant de l'ensemble de publicités",
        "Ad set ID",
        "Identifiant de la publicité",
        "Ad ID",
        "Budget de l'ensemble de publicités",
        "Ad set budget",
        "Type de budget de l'ensemble de publicités",
        "Ad set budget type",
        "Paramètre d'attribution",
        "Attribution setting",
        "Valeur de conversion des achats",
        "Purchases conversion value",
        "Coût par achat",
        "Cost per purchase",
        "Se termine",
        "Ends",
        "Début",
        "Starts",
        "Coût par clic sur un lien",
        "CPC (cost per link click)",
        "CTR (taux de clics sur le lien)",
        "CTR (link click-through rate)",
    )
)


@dataclass(frozen=True)
class _Line:
    line: int
    row: AdRow


class AdsImporter:
    kind: str = ImportKind.ADS
    columns: tuple[Column, ...] = COLUMNS
    known_ignored: frozenset[str] = KNOWN_IGNORED

    def parse(self, table: Table, mapping: Mapping, business: Business) -> Parsed:
        parsed = Parsed(preview_headers=_preview_headers())
        parsed.problems.extend(columns_missing(COLUMNS, mapping))
        if parsed.problems:
            return parsed
        spend_index = mapping["spend"]
        currency = header_currency(table.headers[spend_index]) if spend_index is not None else ""
        if currency and currency != business.currency:
            parsed.problems.append(
                Problem(
                    None,
                    _("The amounts in this file are in %(file)s, your business counts in %(ours)s.")
                    % {"file": currency, "ours": business.currency},
                )
            )
            return parsed
        seen: dict[tuple[str, str, date, date], int] = {}
        for line, cells in zip(table.lines, table.rows, strict=True):
            try:
                row = _row(table, cells, mapping, currency or business.currency)
            except CellError as error:
                parsed.problems.append(Problem(line, str(error)))
                continue
            key = (row.ad_campaign_key, row.object_key, row.period_start, row.period_end)
            if key in seen:
                parsed.problems.append(
                    Problem(
                        line,
                        _("Same campaign and same period as line %(other)s.")
                        % {"other": seen[key]},
                    )
                )
                continue
            seen[key] = line
            parsed.rows.append(_Line(line, row))
        if not parsed.rows and not parsed.problems:
            parsed.problems.append(Problem(None, _("The file has no lines to import.")))
        matches = campaigns_match(
            business=business, names=[item.row.ad_campaign_name for item in parsed.rows]
        )
        parsed.preview = [_preview(item, matches) for item in parsed.rows[:PREVIEW_ROWS]]
        return parsed

    def apply(self, *, parsed: Parsed, business: Business, batch: ImportBatch) -> Summary:
        return ad_rows_save(
            business=business,
            rows=[item.row for item in parsed.rows],
            source=AdSource.EXPORT,
            batch=batch,
        )


def _row(table: Table, cells: list[Any], mapping: Mapping, currency: str) -> AdRow:
    def cell(name: str) -> Any:
        return table.cell(cells, mapping.get(name))

    def count(name: str) -> int | None:
        value = cell(name)
        if value in (None, ""):
            return None
        try:
            return count_parse(value, decimal_comma=table.decimal_comma)
        except CellError as error:
            raise CellError(f"{_column_label(name)} : {error}") from None

    name = str(cell("campaign_name") or "").strip()
    if not name:
        raise CellError(_("The campaign name is empty."))
    try:
        spend = decimal_parse(cell("spend"), decimal_comma=table.decimal_comma)
    except CellError as error:
        raise CellError(f"{_column_label('spend')} : {error}") from None
    if spend < 0 or spend > MAX_SPEND:
        raise CellError(_("The amount spent must be between 0 and 10 000 000."))
    try:
        start, end = date_parse(cell("starts")), date_parse(cell("ends"))
    except CellError as error:
        raise CellError(f"{_column_label('starts')} : {error}") from None
    if end < start:
        raise CellError(_("The period ends before it starts."))
    object_name = str(cell("ad_name") or cell("adset_name") or "").strip()
    return AdRow(
        ad_campaign_name=name[:200],
        ad_campaign_key=name_key(name),
        object_name=object_name[:200],
        object_key=name_key(object_name),
        period_start=start,
        period_end=end,
        currency=currency,
        spend=spend.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        reach=count("reach"),
        impressions=count("impressions"),
        link_clicks=count("link_clicks"),
        page_likes=count("page_likes"),
        purchases=count("purchases"),
    )


def name_key(name: str) -> str:
    """A campaign or ad name compared loosely (accents, case, spaces)."""
    return header_key(name)[:200]


def _column_label(name: str) -> str:
    return str(next(column.label for column in COLUMNS if column.field == name))


def _preview_headers() -> list[Any]:
    return [
        gettext_lazy("Line"),
        gettext_lazy("Campaign"),
        gettext_lazy("Period"),
        gettext_lazy("Amount spent"),
        gettext_lazy("Reach"),
        gettext_lazy("Link clicks"),
        gettext_lazy("Page likes"),
        gettext_lazy("Purchases"),
        gettext_lazy("Counted in"),
    ]


def _preview(item: _Line, matches: dict[str, Any]) -> list[str]:
    row = item.row
    campaign = matches.get(row.ad_campaign_key)
    where = (
        _("“%(name)s”") % {"name": campaign.name}
        if campaign is not None
        else _("new campaign “%(name)s”") % {"name": row.ad_campaign_name}
    )
    label = row.ad_campaign_name + (f" · {row.object_name}" if row.object_name else "")
    return [
        str(item.line),
        label,
        f"{row.period_start:%d/%m/%Y} – {row.period_end:%d/%m/%Y}",
        money(row.spend),
        count_text(row.reach),
        count_text(row.link_clicks),
        count_text(row.page_likes),
        count_text(row.purchases),
        where,
    ]
