"""Pages for tracked links: the list with clicks, creating, editing, switching, QR codes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from essayons.accounts.roles import Perm
from essayons.accounts.tenancy import BusinessRequest, business_view, scoped_get
from essayons.tracking import qr
from essayons.tracking.links_forms import LinkForm
from essayons.tracking.links_queries import links_with_counts
from essayons.tracking.links_services import (
    campaign_choose,
    link_activate,
    link_create,
    link_short_url,
    link_update,
)
from essayons.tracking.models import Campaign, TrackedLink


@business_view(Perm.VIEW_RESULTS)
def links_list(request: BusinessRequest) -> HttpResponse:
    links = list(links_with_counts(request.business))
    for link in links:
        link.short_url = link_short_url(link)  # type: ignore[attr-defined]
    can_edit = request.membership.can(Perm.APPROVE_POSTS)
    return render(request, "tracking/links_list.html", {"links": links, "can_edit": can_edit})


@business_view(Perm.APPROVE_POSTS)
def link_new(request: BusinessRequest) -> HttpResponse:
    form = LinkForm(request.POST or None, business=request.business)
    if request.method == "POST" and form.is_valid():
        try:
            link_create(
                business=request.business,
                destination=form.cleaned_data["destination"],
                channel=form.cleaned_data["channel"],
                campaign=_campaign(request, form),
                label=form.cleaned_data["label"],
                utm=form.utm(),
                medium=form.cleaned_data["medium"],
            )
        except ValidationError as error:
            form.add_error("destination", error)
        else:
            return redirect("tracking:links", request.business.public_id)
    return render(request, "tracking/links_form.html", {"form": form, "link": None})


@business_view(Perm.APPROVE_POSTS)
def link_edit(request: BusinessRequest, pk: int) -> HttpResponse:
    link = scoped_get(TrackedLink.objects.all(), request, pk=pk)
    if request.method != "POST":
        form = LinkForm.for_link(link, business=request.business)
        return render(request, "tracking/links_form.html", {"form": form, "link": link})
    form = LinkForm(request.POST, business=request.business)
    if form.is_valid():
        try:
            link_update(
                link=link,
                destination=form.cleaned_data["destination"],
                channel=form.cleaned_data["channel"],
                campaign=_campaign(request, form),
                label=form.cleaned_data["label"],
                utm=form.utm(),
                medium=form.cleaned_data["medium"],
            )
        except ValidationError as error:
            form.add_error("destination", error)
        else:
            return redirect("tracking:links", request.business.public_id)
    return render(request, "tracking/links_form.html", {"form": form, "link": link})


def _campaign(request: BusinessRequest, form: LinkForm) -> Campaign | None:
    return campaign_choose(
        business=request.business,
        campaign=form.cleaned_data["campaign"],
        new_name=form.cleaned_data["new_campaign"],
    )


@business_view(Perm.APPROVE_POSTS)
@require_POST
def link_switch(request: BusinessRequest, pk: int) -> HttpResponse:
    link = scoped_get(TrackedLink.objects.all(), request, pk=pk)
    link_activate(link=link, active=request.POST.get("active") == "1")
    return redirect("tracking:links", request.business.public_id)


@business_view(Perm.VIEW_RESULTS)
def link_qr(request: BusinessRequest, pk: int, kind: str) -> HttpResponse:
    link = scoped_get(TrackedLink.objects.all(), request, pk=pk)
    url = link_short_url(link)
    if kind == "svg":
        response = HttpResponse(qr.qr_svg(url), content_type="image/svg+xml")
    else:
        response = HttpResponse(qr.qr_png(url), content_type="image/png")
    if request.GET.get("download"):
        name = _("qr-code") + f"-{link.code}.{kind}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
