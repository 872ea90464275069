"""What we keep of an order, read from WooCommerce and Shopify payloads (pure functions).

Only the fields the results need are kept: id, number, dates, total, currency, status, UTM
parameters, promo codes, landing page and referrer. Names and addresses in the payload are
never read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlsplit

from essayons.tracking.models import OrderStatus

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")
MAX_TOTAL = Decimal("10000000")


class PayloadError(ValueError):
    """The payload does not have the shape of an order (answered 400, nothing stored)."""


@dataclass(frozen=True)
class OrderData:
    external_id: str
    number: str
    placed_at: datetime
    total: Decimal
    currency: str
    status: str
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    utm_content: str = ""
    coupon_codes: tuple[str, ...] = ()
    landing_url: str = ""
    referrer: str = ""
    updated_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["placed_at"] = self.placed_at.isoformat()
        data["updated_at"] = self.updated_at.isoformat() if self.updated_at else None
        data["total"] = str(self.total)
        data["coupon_codes"] = list(self.coupon_codes)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OrderData:
        return cls(
            **{
                **data,
                "placed_at": datetime.fromisoformat(data["placed_at"]),
                "updated_at": (
                    datetime.fromisoformat(data["updated_at"]) if data.get("updated_at") else None
                ),
                "total": Decimal(data["total"]),
                "coupon_codes": tuple(data.get("coupon_codes") or ()),
            }
        )


# --- WooCommerce ------------------------------------------------------------------------------
# The webhook body is the REST API order resource:
# https://woocommerce.github.io/woocommerce-rest-api-docs/#order-properties
# UTM parameters come from WooCommerce's own order attribution (8.5+), kept in meta_data under
# `_wc_order_attribution_*` keys (https://woocommerce.com/document/order-attribution-tracking/,
# key names in plugins/woocommerce/src/Internal/Traits/OrderAttributionMeta.php); some shops use
# plain `utm_*` meta keys written by a plugin, accepted too.

WOO_STATUS = {
    "processing": OrderStatus.PAID,
    "completed": OrderStatus.PAID,
    "pending": OrderStatus.PENDING,
    "on-hold": OrderStatus.PENDING,
    "checkout-draft": OrderStatus.PENDING,
    "cancelled": OrderStatus.CANCELLED,
    "failed": OrderStatus.CANCELLED,
    "trash": OrderStatus.CANCELLED,
    "refunded": OrderStatus.REFUNDED,
}
WOO_ATTRIBUTION = "_wc_order_attribution_"


def woocommerce_order(payload: Any) -> OrderData:
    order = _object(payload)
    meta = {
        str(item.get("key")): item.get("value")
        for item in _list(order.get("meta_data"))
        if isinstance(item, dict)
    }
    landing = _text(meta.get(f"{WOO_ATTRIBUTION}session_entry"), 500)
    utm = _utm_from_url(landing)
    for key in UTM_KEYS:
        value = meta.get(f"{WOO_ATTRIBUTION}{key}") or meta.get(key) or meta.get(f"_{key}")
        if value:
            utm[key] = _text(value, 100)
    status = WOO_STATUS.get(str(order.get("status", "")))
    if status is None:
        raise PayloadError("unknown order status")
    coupons = [
        line.get("code") for line in _list(order.get("coupon_lines")) if isinstance(line, dict)
    ]
    placed = _woo_datetime(order, "date_created")
    if placed is None:
        raise PayloadError("date_created_gmt is missing")
    return OrderData(
        external_id=_id(order.get("id")),
        number=_text(order.get("number") or order.get("id"), 64),
        placed_at=placed,
        total=_money(order.get("total")),
        currency=_currency(order.get("currency")),
        status=status,
        coupon_codes=codes_normalise(coupons),
        landing_url=landing,
        referrer=_text(meta.get(f"{WOO_ATTRIBUTION}referrer"), 500),
        updated_at=_woo_datetime(order, "date_modified", required=False),
        **utm,
    )


def woocommerce_deleted_id(payload: Any) -> str:
    """The id of a deleted order (the `order.deleted` body is only `{"id": n}`)."""
    return _id(_object(payload).get("id"))


def woocommerce_dedupe_key(data: OrderData, topic: str) -> str:
    """Woo's Delivery-ID changes on every attempt: the key is the order, topic and modification."""
    stamp = data.updated_at.isoformat() if data.updated_at else ""
    return f"{data.external_id}:{topic}:{stamp}"


def _woo_datetime(order: dict[str, Any], field: str, *, required: bool = True) -> datetime | None:
    """Woo gives `<field>_gmt` as a naive UTC ISO string; the plain field is in the site's zone."""
    raw = order.get(f"{field}_gmt")
    if raw:
        parsed = _datetime(raw)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if required:
        raise PayloadError(f"{field}_gmt is missing")
    return None


# --- Shopify ----------------------------------------------------------------------------------
# The webhook body is the Admin REST order resource:
# https://shopify.dev/docs/api/admin-rest/latest/resources/order (orders/create, orders/updated,
# orders/paid, orders/cancelled topics: https://shopify.dev/docs/api/webhooks?reference=toml).
# UTM parameters are read from `landing_site` (the first page of the visit, with its query), then
# from `note_attributes` when a theme script copies them there; codes from `discount_codes`.

SHOPIFY_PAID = {"paid", "partially_paid", "partially_refunded"}
SHOPIFY_STATUS = {
    "refunded": OrderStatus.REFUNDED,
    "voided": OrderStatus.CANCELLED,
    "pending": OrderStatus.PENDING,
    "authorized": OrderStatus.PENDING,
    "expired": OrderStatus.CANCELLED,
}


def shopify_order(payload: Any) -> OrderData:
    order = _object(payload)
    landing = _text(order.get("landing_site"), 500)
    utm = _utm_from_url(landing)
    for item in _list(order.get("note_attributes")):
        if isinstance(item, dict) and item.get("name") in UTM_KEYS and item.get("value"):
            utm[str(item["name"])] = _text(item["value"], 100)
    financial = str(order.get("financial_status") or "")
    if order.get("cancelled_at"):
        status = OrderStatus.CANCELLED
    elif financial in SHOPIFY_PAID:
        status = OrderStatus.PAID
    elif financial in SHOPIFY_STATUS:
        status = SHOPIFY_STATUS[financial]
    else:
        raise PayloadError("unknown financial status")
    codes = [
        item.get("code") for item in _list(order.get("discount_codes")) if isinstance(item, dict)
    ]
    total = order.get("current_total_price")
    if total in (None, ""):
        total = order.get("total_price")
    placed = order.get("processed_at") or order.get("created_at")
    return OrderData(
        external_id=_id(order.get("id")),
        number=_text(order.get("name") or order.get("order_number") or order.get("id"), 64),
        placed_at=_aware(_datetime(placed)),
        total=_money(total),
        currency=_currency(order.get("currency")),
        status=status,
        coupon_codes=codes_normalise(codes),
        landing_url=landing,
        referrer=_text(order.get("referring_site"), 500),
        updated_at=_aware(_datetime(order.get("updated_at"))) if order.get("updated_at") else None,
        **utm,
    )


# --- Shared readers ---------------------------------------------------------------------------


def codes_normalise(codes: list[Any] | tuple[Any, ...]) -> tuple[str, ...]:
    """Promo codes as typed at a till: upper case, trimmed, unique, sorted (a stable key)."""
    cleaned = {str(code).strip().upper()[:40] for code in codes if code and str(code).strip()}
    return tuple(sorted(cleaned))


def _utm_from_url(url: str) -> dict[str, str]:
    if not url:
        return {}
    try:
        query = parse_qs(urlsplit(url).query)
    except ValueError:
        return {}
    return {key: query[key][0][:100] for key in UTM_KEYS if query.get(key) and query[key][0]}


def _object(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise PayloadError("an order is a JSON object")
    return payload


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip():
        raise PayloadError("the order has no id")
    text = str(value).strip()
    if len(text) > 64:
        raise PayloadError("the order id is too long")
    return text


def _text(value: Any, limit: int) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return "".join(char for char in str(value) if char.isprintable()).strip()[:limit]


def _money(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PayloadError("the total must be a number")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise PayloadError("the total must be a number") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_TOTAL:
        raise PayloadError("the total is out of range")
    return amount.quantize(Decimal("0.01"))


def _currency(value: Any) -> str:
    text = str(value or "").strip().upper()
    if len(text) != 3 or not text.isalpha():
        raise PayloadError("the currency must be a three-letter code")
    return text


def _datetime(value: Any) -> datetime:
    if not isinstance(value, str) or not value:
        raise PayloadError("a date is missing")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError("a date is not in ISO 8601 form") from None


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise PayloadError("a date has no time zone")
    return value
