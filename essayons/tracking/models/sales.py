"""Online orders (WooCommerce, Shopify, CSV) and their attribution."""

__all__: list[str] = []
