from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from essayons.accounts.roles import Perm
from essayons.accounts.tenancy import BusinessRequest, business_view
from essayons.brand.forms import CharteForm
from essayons.brand.queries import charte_draft, charte_for
from essayons.brand.services import charte_save


@business_view(Perm.DRAFT_POSTS)
def charte(request: BusinessRequest) -> HttpResponse:
    """The one-page charte, printable; the worksheet first when there is none yet."""
    saved = charte_for(business=request.business)
    can_edit = request.membership.can(Perm.EDIT_BRAND)
    if saved is None and can_edit:
        return redirect("brand:edit", request.business.public_id)
    return render(request, "brand/charte.html", {"charte": saved, "can_edit": can_edit})


@business_view(Perm.EDIT_BRAND)
def edit(request: BusinessRequest) -> HttpResponse:
    draft = charte_draft(business=request.business)
    form = CharteForm(request.POST or None, instance=draft)
    if request.method == "POST" and form.is_valid():
        charte_save(business=request.business, data=form.cleaned_data, by=request.user)
        messages.success(request, _("Your charter is saved. Print it and keep it at hand."))
        return redirect("brand:charte", request.business.public_id)
    return render(
        request,
        "brand/edit.html",
        {"form": form, "prefilled": draft.pk is None},
        status=400 if form.errors else 200,
    )
