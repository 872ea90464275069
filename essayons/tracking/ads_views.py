"""Ad spend: what was imported or entered, a boosted post by hand, the Meta synchronisation."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from essayons.accounts.roles import Perm
from essayons.accounts.tenancy import BusinessRequest, business_view, scoped, scoped_get
from essayons.tracking.ads_forms import ManualSpendForm, MetaAccountForm
from essayons.tracking.ads_services import ad_manual_save, ad_spend_delete, meta_account_save
from essayons.tracking.ads_tasks import ads_meta_sync_task
from essayons.tracking.models import AdSource, AdSpend, MetaAdAccount

LIST_SIZE = 200


@business_view(Perm.VIEW_RESULTS)
def ads_list(request: BusinessRequest) -> HttpResponse:
    rows = scoped(AdSpend.objects.select_related("campaign"), request).order_by(
        "-period_start", "ad_campaign_name"
    )
    return render(
        request,
        "tracking/ads_list.html",
        {
            "rows": rows[:LIST_SIZE],
            "row_count": rows.count(),
            "accounts": scoped(MetaAdAccount.objects.all(), request),
            "can_manage": request.membership.can(Perm.MANAGE_BUSINESS),
            "meta_form": MetaAccountForm(),
        },
    )


@business_view(Perm.MANAGE_BUSINESS)
def ads_manual(request: BusinessRequest) -> HttpResponse:
    form = ManualSpendForm(request.POST or None, business=request.business)
    if request.method == "POST" and form.is_valid():
        ad_manual_save(business=request.business, **form.cleaned_data)
        messages.success(request, _("The boosted post is counted in the results."))
        return redirect("tracking:ads", request.business.public_id)
    return render(request, "tracking/ads_manual.html", {"form": form})


@business_view(Perm.MANAGE_BUSINESS)
@require_POST
def ads_delete(request: BusinessRequest, pk: int) -> HttpResponse:
    row = scoped_get(AdSpend.objects.filter(source=AdSource.MANUAL), request, pk=pk)
    ad_spend_delete(row=row)
    messages.success(request, _("The entry is deleted."))
    return redirect("tracking:ads", request.business.public_id)


@business_view(Perm.MANAGE_BUSINESS)
def ads_meta(request: BusinessRequest) -> HttpResponse:
    form = MetaAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = meta_account_save(business=request.business, **form.cleaned_data)
        ads_meta_sync_task.enqueue(account.pk)
        messages.success(request, _("The ad account is saved; its figures are being fetched."))
        return redirect("tracking:ads", request.business.public_id)
    return render(request, "tracking/ads_meta.html", {"form": form})


@business_view(Perm.MANAGE_BUSINESS)
@require_POST
def ads_meta_sync(request: BusinessRequest, pk: int) -> HttpResponse:
    account = scoped_get(MetaAdAccount.objects.all(), request, pk=pk)
    ads_meta_sync_task.enqueue(account.pk)
    messages.success(request, _("The synchronisation with Meta has started."))
    return redirect("tracking:ads", request.business.public_id)
