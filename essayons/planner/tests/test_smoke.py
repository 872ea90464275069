import pytest
from django.urls import reverse
from django.utils import translation


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["plan", "effort", "calendar", "week", "post_new"])
def test_pages_render_for_owner_and_helper(name, business, owner, helper, client_as):
    url = reverse(f"planner:{name}", args=[business.public_id])
    for person in (owner, helper):
        response = client_as(person).get(url)
        assert response.status_code == 200, response.content.decode()[:2000]


@pytest.mark.django_db
def test_pages_also_work_in_english(business, owner, client_as):
    client = client_as(owner)
    client.cookies["django_language"] = "en"
    with translation.override("fr"):  # the middleware activates English: restore after
        page = client.get(reverse("planner:plan", args=[business.public_id])).content.decode()
    assert "Your week in 2 h" in page and "Prepare my week" in page
