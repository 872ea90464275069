from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from essayons.planner.models import EventAction, ImageRendition, Post, PostImage, PostStatus

from .conftest import jpeg, when_fields

pytestmark = pytest.mark.django_db


def new_url(business):
    return reverse("planner:post_new", args=[business.public_id])


def post_data(**extra):
    data = {
        "text": "Pain au levain, passez nous voir !",
        "channels": ["facebook"],
        "kind": "products",
        **when_fields(),
    }
    data.update(extra)
    return data


def test_owner_schedules_directly(business, owner, client_as):
    response = client_as(owner).post(new_url(business), post_data(action="submit"))
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.status == PostStatus.SCHEDULED and post.author == owner
    assert list(post.events.values_list("action", flat=True)) == [
        EventAction.CREATED,
        EventAction.SCHEDULED,
    ]


def test_helper_post_waits_for_approval_and_the_owner_is_emailed(
    business, owner, helper, client_as, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(helper).post(new_url(business), post_data(action="submit"))
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.status == PostStatus.AWAITING_APPROVAL and post.submitted_by == helper
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert "attend votre validation" in mail.outbox[0].subject
    assert f"/publications/{post.pk}/" in mail.outbox[0].body


def test_draft_needs_no_text_but_sending_does(business, helper, client_as):
    client = client_as(helper)
    refused = client.post(new_url(business), post_data(text="", action="submit"))
    assert refused.status_code == 400 and not Post.objects.exists()
    assert "Écrivez le texte" in refused.content.decode()
    assert client.post(new_url(business), post_data(text="", action="draft")).status_code == 302
    assert Post.objects.get().status == PostStatus.DRAFT


def test_hostile_text_is_stored_as_typed_and_shown_escaped(business, owner, client_as):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> venez !'
    client = client_as(owner)
    client.post(new_url(business), post_data(text=hostile, action="draft"))
    post = Post.objects.get()
    assert post.text == hostile
    page = client.get(reverse("planner:post", args=[business.public_id, post.pk])).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    calendar = client.get(
        reverse("planner:week", args=[business.public_id]) + f"?week={when_fields()['date']}"
    ).content.decode()
    assert "<script>alert" not in calendar and "<img src=x" not in calendar


def test_past_date_no_network_and_oversized_text_are_field_errors_keeping_the_text(
    business, owner, client_as
):
    client = client_as(owner)
    response = client.post(
        new_url(business), post_data(date="2020-01-01", channels=[], text="Mon texte à garder")
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Cette date et cette heure sont passées" in page
    assert "Choisissez au moins un réseau" in page
    assert "Mon texte à garder" in page
    too_long = client.post(new_url(business), post_data(text="a" * 10_001, action="draft"))
    assert too_long.status_code == 400 and not Post.objects.exists()
    garbage = client.post(
        new_url(business),
        post_data(date="31/02/2026", time="25:99", kind="nope", channels=["tiktok"]),
    )
    assert garbage.status_code == 400 and not Post.objects.exists()


def test_a_local_time_that_does_not_exist_or_happens_twice_is_refused(business, owner, client_as):
    business.timezone = "Europe/Paris"
    business.save()
    client = client_as(owner)
    gap = client.post(new_url(business), post_data(date="2099-03-29", time="02:30"))
    assert gap.status_code == 400 and "n’existe pas ce jour-là" in gap.content.decode()
    overlap = client.post(new_url(business), post_data(date="2099-10-25", time="02:30"))
    assert overlap.status_code == 400 and "existe deux fois" in overlap.content.decode()
    assert not Post.objects.exists()
    assert (
        client.post(new_url(business), post_data(date="2099-10-25", time="03:30")).status_code
        == 302
    )


def test_times_are_stored_aware_in_the_business_time_zone(business, owner, client_as):
    client_as(owner).post(new_url(business), post_data(date="2099-06-01", time="09:15"))
    stored = Post.objects.get().scheduled_at
    assert stored.utcoffset() == timedelta(0)  # stored in UTC…
    assert stored.isoformat().startswith("2099-06-01T13:15")  # …09:15 in Martinique (UTC−4)


def test_images_are_checked_kept_and_resized_per_network(business, owner, client_as):
    response = client_as(owner).post(
        new_url(business),
        {**post_data(channels=["facebook", "instagram"], action="submit"), "images": [jpeg()]},
    )
    assert response.status_code == 302
    image = PostImage.objects.get()
    assert (image.width, image.height, image.image_format) == (640, 480, "JPEG")
    assert set(ImageRendition.objects.values_list("channel", flat=True)) == {
        "facebook",
        "instagram",
    }
    served = client_as(owner).get(
        reverse("planner:image", args=[business.public_id, image.pk]) + "?reseau=instagram"
    )
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"


def test_a_bad_image_is_refused_and_nothing_is_stored(business, owner, client_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile(
        "<img src=x onerror=alert(1)>.jpg", b"<?php echo 1; ?>", content_type="image/jpeg"
    )
    response = client_as(owner).post(new_url(business), {**post_data(), "images": [jpeg(), fake]})
    page = response.content.decode()
    assert response.status_code == 400
    assert "n’est pas une photo JPEG, PNG ou WebP" in page
    assert "&lt;img src=x onerror=alert(1)&gt;.jpg" in page and "<img src=x" not in page
    assert not Post.objects.exists() and not PostImage.objects.exists()


def test_network_limits_block_sending_but_not_a_draft(business, owner, client_as):
    client = client_as(owner)
    no_image = client.post(new_url(business), post_data(channels=["instagram"], action="submit"))
    assert no_image.status_code == 400 and "Instagram" in no_image.content.decode()
    too_long = client.post(
        new_url(business), post_data(text="é" * 301, channels=["bluesky"], action="submit")
    )
    assert too_long.status_code == 400 and not Post.objects.exists()
    assert (
        client.post(
            new_url(business), post_data(text="é" * 301, channels=["bluesky"], action="draft")
        ).status_code
        == 302
    )


def test_live_preview_counts_per_network_and_shows_charte_hints(business, owner, client_as):
    from essayons.brand.models import Charte

    Charte.objects.create(business=business, words_to_avoid="pas cher")
    response = client_as(owner).post(
        reverse("planner:preview", args=[business.public_id]),
        {
            "text": "Du pain pas cher <b>ici</b>",
            "channels": ["bluesky", "instagram"],
            "existing_image_count": "0",
            "new_image_count": "0",
        },
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "27 / 300" in page and "27 / 2200" in page
    assert "pas cher" in page and 'data-hint="avoid_word"' in page
    assert "&lt;b&gt;ici&lt;/b&gt;" in page
    assert "au moins une photo" in page and "fait partie de vos mots à éviter" in page


def test_who_may_compose(business, cashier, outsider, client_as):
    assert client_as(cashier).get(new_url(business)).status_code == 403
    assert client_as(outsider).get(new_url(business)).status_code == 404
    assert client_as(outsider).post(new_url(business), post_data()).status_code == 404
    assert not Post.objects.exists()


def test_an_oversized_upload_is_refused_without_decoding(business, owner, client_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    huge = SimpleUploadedFile(
        "big.jpg", b"\xff\xd8" + b"0" * (15 * 1024 * 1024), content_type="image/jpeg"
    )
    response = client_as(owner).post(new_url(business), {**post_data(), "images": [huge]})
    assert response.status_code == 400 and "plus de 15 Mo" in response.content.decode()
    assert not Post.objects.exists()
