"""The composer's live preview (htmx) and the images of posts."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from essayons.accounts.roles import Perm
from essayons.accounts.tenancy import BusinessRequest, scoped_get
from essayons.brand.queries import charte_for
from essayons.planner.forms import PreviewForm
from essayons.planner.hints import hints_for_channels
from essayons.planner.images import CONTENT_TYPES
from essayons.planner.models import ImageRendition, PostImage
from essayons.planner.previews import network_previews
from essayons.planner.views.common import planner_view


@planner_view(Perm.DRAFT_POSTS)
def preview(request: BusinessRequest) -> HttpResponse:
    """The live preview per network, with its limits and the charte's hints."""
    form = PreviewForm(request.POST or None)
    form.is_valid()  # what is invalid is left out of the preview
    text = str(form.cleaned_data.get("text") or "").replace("\r\n", "\n")
    channels = form.cleaned_data.get("channels") or []
    hints = hints_for_channels(
        charte=charte_for(business=request.business), text=text, channels=channels
    )
    context = {
        "previews": network_previews(text, channels, form.image_count),
        "hints": hints,
        "text_too_big": "text" in form.errors,
    }
    return render(request, "planner/_preview.html", context)


@planner_view(Perm.DRAFT_POSTS)
def image(request: BusinessRequest, image_id: int) -> HttpResponse:
    """An image of a post of this business: the original, or one network's rendition."""
    original = scoped_get(PostImage.objects.all(), request, pk=image_id)
    network = request.GET.get("reseau", "")
    if not network:
        stored, content_type = original.original, CONTENT_TYPES.get(original.image_format)
    else:
        rendition = ImageRendition.objects.filter(image=original, channel=network).first()
        if rendition is None:
            raise Http404("No rendition for this network")
        stored, content_type = rendition.file, "image/jpeg"
    with stored.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
