"""The demo business: created once, with a random password kept out of the repository."""

from __future__ import annotations

import stat

import pytest
from django.apps import apps

from essayons.accounts.models import Business, Membership, User
from essayons.accounts.roles import Role
from essayons.inbox.queries import inbox_messages
from essayons.ops import demo
from essayons.ops.models import DemoSeed


@pytest.fixture
def var_dir(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_demo_load_is_idempotent(var_dir):
    first = demo.demo_load()
    second = demo.demo_load()

    assert first == second
    owner = User.objects.get(email=demo.DEMO_EMAIL)
    assert owner.check_password(first.password)
    business = Business.objects.get(name="Boulangerie Ti Pain")
    assert (business.trade, business.town) == ("bakery", "Fort-de-France")
    assert (business.timezone, business.currency) == ("America/Martinique", "EUR")
    assert Membership.objects.get(user=owner).business == business
    assert Membership.objects.get(user=owner).role == Role.OWNER
    assert Business.objects.count() == 1
    # The inbox has something to show, an unhappy customer on top, loaded once.
    rows = inbox_messages(business=business)
    assert len(rows) == 5
    assert rows[0].message.label == "complaint" and rows[0].message.rating == 2


def test_the_password_is_random_and_kept_private(var_dir, settings, tmp_path_factory):
    login = demo.demo_load()
    path = var_dir / "demo_login.txt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == f"e-mail: {demo.DEMO_EMAIL}\npassword: {login.password}\n"
    assert len(login.password) >= 16

    settings.VAR_DIR = tmp_path_factory.mktemp("elsewhere")
    User.objects.all().delete()
    assert demo.demo_load().password != login.password


def test_a_lost_login_file_gives_a_new_password_that_works(var_dir):
    old = demo.demo_load()
    (var_dir / "demo_login.txt").unlink()
    new = demo.demo_load()
    assert new.password != old.password
    assert User.objects.get(email=demo.DEMO_EMAIL).check_password(new.password)
    assert Business.objects.filter(name="Boulangerie Ti Pain").count() == 1


def test_each_app_demo_runs_once_per_business(var_dir, monkeypatch):
    calls = []

    def create(*, business, owner):
        calls.append((business.name, owner.email))

    monkeypatch.setattr(demo, "demo_creators", lambda: iter([("sample", create)]))
    demo.demo_load()
    demo.demo_load()

    assert calls == [("Boulangerie Ti Pain", demo.DEMO_EMAIL)]
    assert list(DemoSeed.objects.values_list("app_label", flat=True)) == ["sample"]


def test_a_failing_app_demo_is_retried_at_next_start(var_dir, monkeypatch):
    def broken(*, business, owner):
        raise RuntimeError("boom")

    monkeypatch.setattr(demo, "demo_creators", lambda: iter([("sample", broken)]))
    with pytest.raises(RuntimeError):
        demo.demo_load()
    assert not DemoSeed.objects.exists()


def test_installed_apps_with_a_demo_module_are_found():
    labels = [label for label, _ in demo.demo_creators()]
    assert "ops" not in labels  # ops orchestrates; it has no demo_create of its own
    order = [config.label for config in apps.get_app_configs()]
    assert labels == sorted(labels, key=order.index)
