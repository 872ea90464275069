from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from essayons.accounts.models import Membership
from essayons.planner.models import Post, PostStatus


@pytest.fixture
def owner_membership(owner, business):
    return Membership.objects.get(user=owner, business=business)


@pytest.fixture
def helper_membership(helper, business):
    return Membership.objects.get(user=helper, business=business)


@pytest.fixture
def make_post(business):
    def make(author, **fields):
        defaults = {
            "business": business,
            "author": author,
            "updated_by": author,
            "status": PostStatus.DRAFT,
            "text": "Pain au levain tout chaud, passez nous voir !",
            "channels": ["facebook"],
            "scheduled_at": timezone.now() + timedelta(days=3),
        }
        defaults.update(fields)
        return Post.objects.create(**defaults)

    return make


def jpeg(size=(640, 480), name="photo.jpg"):
    buffer = BytesIO()
    Image.new("RGB", size, (180, 90, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def when_fields(days=3, hour="10:30"):
    day = timezone.localdate() + timedelta(days=days)
    return {"date": day.isoformat(), "time": hour}
