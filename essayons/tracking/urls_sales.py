"""Sales' pages: online orders and their webhooks, ad spend, imports, and the results."""

from django.urls import path

from essayons.tracking import ads_views, imports_views, orders_views, results_views, webhooks

E = "e/<uuid:business_id>/"

urlpatterns = [
    path("webhooks/woocommerce/<str:hook_id>/", webhooks.woocommerce, name="webhook_woocommerce"),
    path("webhooks/shopify/<str:hook_id>/", webhooks.shopify, name="webhook_shopify"),
    path(E + "resultats/", results_views.results, name="results"),
    path(E + "resultats/export.csv", results_views.results_export, name="results_export"),
    path(E + "ventes-en-ligne/", orders_views.orders_list, name="orders"),
    path(E + "ventes-en-ligne/boutique/", orders_views.shop_connect, name="shop_connect"),
    path(E + "ventes-en-ligne/boutique/<int:pk>/", orders_views.shop_detail, name="shop_detail"),
    path(
        E + "ventes-en-ligne/boutique/<int:pk>/deconnecter/",
        orders_views.shop_disconnect,
        name="shop_disconnect",
    ),
    path(E + "publicite/", ads_views.ads_list, name="ads"),
    path(E + "publicite/saisie/", ads_views.ads_manual, name="ads_manual"),
    path(E + "publicite/<int:pk>/supprimer/", ads_views.ads_delete, name="ads_delete"),
    path(E + "publicite/meta/", ads_views.ads_meta, name="ads_meta"),
    path(
        E + "publicite/meta/<int:pk>/synchroniser/", ads_views.ads_meta_sync, name="ads_meta_sync"
    ),
    path(E + "import/<str:kind>/", imports_views.import_upload, name="import_upload"),
    path(
        E + "import/<str:kind>/<int:batch_id>/", imports_views.import_preview, name="import_preview"
    ),
]
