"""The page of a delivery to post by hand: copy the text and photos, then "I posted it"."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from essayons.accounts.roles import Perm
from essayons.accounts.tenancy import BusinessRequest, business_view, scoped_get
from essayons.planner.models import ImageRendition
from essayons.publishing.forms import PostedLinkForm
from essayons.publishing.models import HANDS_OFF_STATUSES, Delivery
from essayons.publishing.services import delivery_record_link
from essayons.publishing.services.owner import DeliveryRefused


@business_view(Perm.DRAFT_POSTS)
def handover(request: BusinessRequest, delivery_id: int) -> HttpResponse:
    delivery = scoped_get(
        Delivery.objects.select_related("post", "business"), request, pk=delivery_id
    )
    form = PostedLinkForm(request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            delivery_record_link(delivery=delivery, url=form.cleaned_data["url"], user=request.user)
        except DeliveryRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Thank you: the post is recorded as published."))
            return redirect("publishing:post", request.business.public_id, delivery.post_id)
    post = delivery.post
    renditions = set(
        ImageRendition.objects.filter(image__post=post, channel=delivery.channel).values_list(
            "image_id", flat=True
        )
    )
    context = {
        "delivery": delivery,
        "post": post,
        "images": [(image, image.pk in renditions) for image in post.images.all()],
        "form": form,
        "open": delivery.status in HANDS_OFF_STATUSES,
    }
    with timezone.override(ZoneInfo(request.business.timezone)):
        return render(
            request,
            "connectors/manual/handover.html",
            context,
            status=400 if form.errors else 200,
        )
