"""Orders from any other shop, as a spreadsheet: one line per order.

Required: the order number, its date and its total. Optional: currency, status, UTM parameters,
promo codes, landing page. An order already imported (same number) is updated, never doubled.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from essayons.accounts.models import Business
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
    datetime_parse,
    decimal_parse,
    header_key,
)
from essayons.tracking.models import ImportBatch, ImportKind, OrderSource, OrderStatus
from essayons.tracking.orders_payloads import MAX_TOTAL, OrderData, codes_normalise
from essayons.tracking.orders_services import Upsert, order_upsert
from essayons.tracking.results_format import money, number

PREVIEW_ROWS = 20

COLUMNS = (
    Column(
        "external_id",
        gettext_lazy("Order number"),
        (
            "numero de commande",
            "n de commande",
            "n commande",
            "commande",
            "order number",
            "order id",
            "order",
            "numero",
            "id",
            "reference",
        ),
        required=True,
    ),
    Column(
        "placed_at",
        gettext_lazy("Date"),
        ("date", "date de commande", "date de la commande", "order date", "created at", "created"),
        required=True,
    ),
    Column(
        "total",
        gettext_lazy("Total"),
        ("total", "montant", "montant total", "total ttc", "order total", "amount", "total price"),
        required=True,
    ),
    Column("currency", gettext_lazy("Currency"), ("devise", "monnaie", "currency")),
    Column("status", gettext_lazy("Status"), ("statut", "etat", "status", "financial status")),
    Column("utm_source", "utm_source", ("utm source", "source")),
    Column("utm_medium", "utm_medium", ("utm medium", "medium", "support")),
    Column("utm_campaign", "utm_campaign", ("utm campaign", "campagne", "campaign")),
    Column("utm_content", "utm_content", ("utm content", "contenu", "content")),
    Column(
        "coupon_codes",
        gettext_lazy("Promo codes"),
        (
            "code promo",
            "codes promo",
            "coupon",
            "coupons",
            "coupon code",
            "discount code",
            "discount codes",
            "code de reduction",
        ),
    ),
    Column(
        "landing_url",
        gettext_lazy("Landing page"),
        ("page d arrivee", "landing page", "landing site"),
    ),
)

KNOWN_IGNORED = frozenset(
    header_key(name)
    for name in (
        "Client",
        "Customer",
        "Nom",
        "Name",
        "E-mail",
        "Email",
        "Téléphone",
        "Phone",
        "Adresse",
        "Address",
        "Articles",
        "Items",
        "Produits",
        "Products",
        "Livraison",
        "Shipping",
        "TVA",
        "Tax",
        "Taxes",
        "Sous-total",
        "Subtotal",
        "Remise",
        "Discount",
        "Paiement",
        "Payment",
        "Payment method",
        "Moyen de paiement",
        "Note",
        "Notes",
    )
)

STATUS_WORDS = {
    OrderStatus.PAID: (
        "payee",
        "paye",
        "paid",
        "completed",
        "complete",
        "terminee",
        "termine",
        "processing",
        "en cours",
        "livree",
        "expediee",
        "fulfilled",
        "validee",
    ),
    OrderStatus.PENDING: ("en attente", "pending", "on hold", "attente de paiement", "authorized"),
    OrderStatus.CANCELLED: (
        "annulee",
        "annule",
        "cancelled",
        "canceled",
        "failed",
        "echouee",
        "voided",
    ),
    OrderStatus.REFUNDED: ("remboursee", "rembourse", "refunded"),
}
STATUS_BY_WORD = {word: status for status, words in STATUS_WORDS.items() for word in words}


@dataclass(frozen=True)
class _Line:
    line: int
    data: OrderData


class OrdersImporter:
    kind: str = ImportKind.ORDERS
    columns: tuple[Column, ...] = COLUMNS
    known_ignored: frozenset[str] = KNOWN_IGNORED

    def parse(self, table: Table, mapping: Mapping, business: Business) -> Parsed:
        parsed = Parsed(preview_headers=_preview_headers())
        parsed.problems.extend(columns_missing(COLUMNS, mapping))
        if parsed.problems:
            return parsed
        zone = ZoneInfo(business.timezone)
        seen: dict[str, int] = {}
        for line, cells in zip(table.lines, table.rows, strict=True):
            try:
                data = _order(table, cells, mapping, business.currency, zone)
            except CellError as error:
                parsed.problems.append(Problem(line, str(error)))
                continue
            if data.external_id in seen:
                parsed.problems.append(
                    Problem(
                        line,
                        _("Order %(number)s is already on line %(other)s.")
                        % {"number": data.external_id, "other": seen[data.external_id]},
                    )
                )
                continue
            seen[data.external_id] = line
            parsed.rows.append(_Line(line, data))
        if not parsed.rows and not parsed.problems:
            parsed.problems.append(Problem(None, _("The file has no lines to import.")))
        parsed.preview = [_preview(item) for item in parsed.rows[:PREVIEW_ROWS]]
        return parsed

    def apply(self, *, parsed: Parsed, business: Business, batch: ImportBatch) -> Summary:
        counts = dict.fromkeys(Upsert, 0)
        for item in parsed.rows:
            counts[order_upsert(business=business, source=OrderSource.CSV, data=item.data)] += 1
        return Summary(
            created=counts[Upsert.CREATED],
            updated=counts[Upsert.UPDATED],
            unchanged=counts[Upsert.UNCHANGED] + counts[Upsert.STALE],
        )


def _order(
    table: Table, cells: list[Any], mapping: Mapping, currency: str, zone: ZoneInfo
) -> OrderData:
    def text(name: str, limit: int = 100) -> str:
        value = table.cell(cells, mapping.get(name))
        return "" if value is None else str(value).strip()[:limit]

    number = text("external_id", 64)
    if not number:
        raise CellError(_("The order number is empty."))
    moment = datetime_parse(table.cell(cells, mapping.get("placed_at")))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    total = decimal_parse(
        table.cell(cells, mapping.get("total")), decimal_comma=table.decimal_comma
    )
    if total < 0 or total > MAX_TOTAL:
        raise CellError(_("The total must be between 0 and 10 000 000."))
    order_currency = (text("currency") or currency).upper()
    if len(order_currency) != 3 or not order_currency.isalpha():
        raise CellError(
            _("“%(value)s” is not a currency code (e.g. EUR).") % {"value": order_currency}
        )
    status_text = text("status")
    status = STATUS_BY_WORD.get(header_key(status_text)) if status_text else OrderStatus.PAID
    if status is None:
        raise CellError(
            _("Unknown status “%(value)s” (paid, pending, cancelled or refunded).")
            % {"value": status_text}
        )
    codes = text("coupon_codes", 200).replace(";", ",").split(",")
    return OrderData(
        external_id=number,
        number=number,
        placed_at=moment,
        total=total.quantize(Decimal("0.01")),
        currency=order_currency,
        status=status,
        utm_source=text("utm_source"),
        utm_medium=text("utm_medium"),
        utm_campaign=text("utm_campaign"),
        utm_content=text("utm_content"),
        coupon_codes=codes_normalise(codes),
        landing_url=text("landing_url", 500),
    )


def _preview_headers() -> list[Any]:
    return [
        gettext_lazy("Line"),
        gettext_lazy("Order number"),
        gettext_lazy("Date"),
        gettext_lazy("Total"),
        gettext_lazy("Status"),
        "utm_campaign",
        gettext_lazy("Promo codes"),
    ]


def _preview(item: _Line) -> list[str]:
    data = item.data
    total = (
        money(data.total) if data.currency == "EUR" else f"{number(data.total, 2)} {data.currency}"
    )
    return [
        str(item.line),
        data.number,
        f"{data.placed_at:%d/%m/%Y %H:%M}",
        total,
        str(OrderStatus(data.status).label),
        data.utm_campaign,
        ", ".join(data.coupon_codes),
    ]
