"""Online orders: the list, and connecting a WooCommerce or Shopify shop by webhook."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from essayons.accounts.roles import Perm
from essayons.accounts.tenancy import BusinessRequest, business_view, scoped, scoped_get
from essayons.tracking.models import Order, ShopConnection, ShopPlatform
from essayons.tracking.orders_forms import SecretForm, ShopConnectForm
from essayons.tracking.orders_services import (
    shop_connection_create,
    shop_connection_disable,
    shop_connection_secret_change,
)

LIST_SIZE = 50


def webhook_url(request: BusinessRequest, connection: ShopConnection) -> str:
    name = (
        "tracking:webhook_woocommerce"
        if connection.platform == ShopPlatform.WOOCOMMERCE
        else "tracking:webhook_shopify"
    )
    return request.build_absolute_uri(reverse(name, args=[connection.hook_id]))


@business_view(Perm.VIEW_RESULTS)
def orders_list(request: BusinessRequest) -> HttpResponse:
    connections = list(scoped(ShopConnection.objects.filter(is_active=True), request))
    for connection in connections:
        connection.url = webhook_url(request, connection)  # type: ignore[attr-defined]
    return render(
        request,
        "tracking/orders_list.html",
        {
            "orders": scoped(Order.objects.all(), request)[:LIST_SIZE],
            "order_count": scoped(Order.objects.all(), request).count(),
            "connections": connections,
            "can_manage": request.membership.can(Perm.MANAGE_BUSINESS),
        },
    )


@business_view(Perm.MANAGE_BUSINESS)
def shop_connect(request: BusinessRequest) -> HttpResponse:
    form = ShopConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        connection = shop_connection_create(business=request.business, **form.cleaned_data)
        messages.success(
            request, _("Your shop is connected: set up the webhook with the address below.")
        )
        return redirect("tracking:shop_detail", request.business.public_id, connection.pk)
    return render(request, "tracking/orders_shop_form.html", {"form": form})


@business_view(Perm.MANAGE_BUSINESS)
def shop_detail(request: BusinessRequest, pk: int) -> HttpResponse:
    connection = scoped_get(ShopConnection.objects.filter(is_active=True), request, pk=pk)
    form = SecretForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        shop_connection_secret_change(connection=connection, secret=form.cleaned_data["secret"])
        messages.success(request, _("The new secret is saved."))
        return redirect("tracking:shop_detail", request.business.public_id, connection.pk)
    return render(
        request,
        "tracking/orders_shop_detail.html",
        {"connection": connection, "url": webhook_url(request, connection), "form": form},
    )


@business_view(Perm.MANAGE_BUSINESS)
@require_POST
def shop_disconnect(request: BusinessRequest, pk: int) -> HttpResponse:
    connection = scoped_get(ShopConnection.objects.filter(is_active=True), request, pk=pk)
    shop_connection_disable(connection=connection)
    messages.success(request, _("The shop is disconnected: its orders are no longer received."))
    return redirect("tracking:orders", request.business.public_id)
