"""Storing a post's images: the original as uploaded, and one rendition per network."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max

from essayons.planner.images import CheckedImage, rendition_make
from essayons.planner.limits import CHANNEL_LIMITS
from essayons.planner.models import ImageRendition, Post, PostImage


def images_add(post: Post, images: Sequence[CheckedImage]) -> None:
    """Keep checked originals after the post's existing images."""
    start = (post.images.aggregate(last=Max("position"))["last"] or 0) + 1
    for offset, checked in enumerate(images):
        image = PostImage(
            business=post.business,
            post=post,
            image_format=checked.image_format,
            width=checked.width,
            height=checked.height,
            position=start + offset,
        )
        image.original.save(f"original{checked.extension}", ContentFile(checked.data), save=False)
        image.save()


def images_remove(post: Post, image_ids: Iterable[int]) -> None:
    """Drop images of this post; their files go once the change is committed."""
    doomed = list(post.images.filter(pk__in=list(image_ids)).prefetch_related("renditions"))
    names = [i.original.name for i in doomed] + [
        r.file.name for i in doomed for r in i.renditions.all()
    ]
    PostImage.objects.filter(pk__in=[i.pk for i in doomed]).delete()

    def delete_files() -> None:
        for name in names:
            if name:
                default_storage.delete(name)

    transaction.on_commit(delete_files)


def images_copy(source: Post, target: Post) -> None:
    """Give `target` its own copies of `source`'s originals (files are never shared)."""
    for image in source.images.all():
        with image.original.open("rb") as handle:
            data = handle.read()
        copy = PostImage(
            business=target.business,
            post=target,
            image_format=image.image_format,
            width=image.width,
            height=image.height,
            position=image.position,
        )
        suffix = (image.original.name or "image.jpg").rsplit(".", 1)[-1]
        copy.original.save(f"original.{suffix}", ContentFile(data), save=False)
        copy.save()


def renditions_ensure(post: Post) -> None:
    """Make the missing rendition of every image for every network of the post."""
    for image in post.images.prefetch_related("renditions"):
        missing = [
            channel
            for channel in post.channels
            if channel in CHANNEL_LIMITS
            and channel not in {r.channel for r in image.renditions.all()}
        ]
        if not missing:
            continue
        with image.original.open("rb") as handle:
            data = handle.read()
        for channel in missing:
            made = rendition_make(data, CHANNEL_LIMITS[channel])
            rendition = ImageRendition(
                image=image,
                channel=channel,
                width=made.width,
                height=made.height,
                size=len(made.data),
            )
            rendition.file.save(f"{channel}.jpg", ContentFile(made.data), save=False)
            rendition.save()
