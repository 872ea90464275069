"""The demo business a newcomer sees at first start: "Boulangerie Ti Pain" in Fort-de-France.

Contract for the other apps: an app `essayons.<app>` that wants demo data has a module
`essayons/<app>/demo.py` with `demo_create(*, business: Business, owner: User) -> None`.
`demo_load` calls it once per demo business (a `DemoSeed` row remembers it, in the same
transaction), in INSTALLED_APPS order, so an app reads the demo data of the apps before it.

The owner's password is random, drawn at first run and kept in `<var>/demo_login.txt`
(mode 0600): never a password in the repository.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from essayons.accounts.models import Business, Currency, Territory, Trade, User
from essayons.accounts.services import business_create, user_signup
from essayons.lib.apps import app_modules
from essayons.ops.models import DemoSeed

DEMO_EMAIL = "demo@ti-pain.example"
DEMO_BUSINESS_NAME = "Boulangerie Ti Pain"
LOGIN_FILE_NAME = "demo_login.txt"

DemoCreate = Callable[..., None]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str


def demo_login_path() -> Path:
    return Path(settings.VAR_DIR) / LOGIN_FILE_NAME


def demo_load() -> DemoLogin:
    """Make sure the demo owner, business and every app's demo data exist; idempotent."""
    login = _login_read() or _login_write(DemoLogin(DEMO_EMAIL, secrets.token_urlsafe(12)))
    with transaction.atomic():
        owner = _owner_ensure(login)
        business = _business_ensure(owner)
    for label, create in demo_creators():
        with transaction.atomic():
            _, created = DemoSeed.objects.get_or_create(business=business, app_label=label)
            if created:
                create(business=business, owner=owner)
    return login


def demo_creators() -> Iterator[tuple[str, DemoCreate]]:
    """(app label, demo_create) for every installed essayons app that has one."""
    for label, module in app_modules("demo"):
        create = getattr(module, "demo_create", None)
        if callable(create):
            yield label, create


def _login_read() -> DemoLogin | None:
    path = demo_login_path()
    if not path.exists():
        return None
    fields = dict(
        line.split(":", 1) for line in path.read_text(encoding="utf-8").splitlines() if ":" in line
    )
    email, password = fields.get("e-mail", "").strip(), fields.get("password", "").strip()
    return DemoLogin(email, password) if email and password else None


def _login_write(login: DemoLogin) -> DemoLogin:
    """Write the file before the account: a crash in between leaves a password that still works."""
    path = demo_login_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"e-mail: {login.email}\npassword: {login.password}\n")
    partial.replace(path)
    return login


def _owner_ensure(login: DemoLogin) -> User:
    owner = User.objects.filter(email=login.email).first()
    if owner is None:
        return user_signup(email=login.email, password=login.password, display_name="Josiane")
    if not owner.check_password(login.password):
        # The file is the truth: it was rewritten, or the database was restored or reset.
        owner.set_password(login.password)
        owner.save(update_fields=["password"])
    return owner


def _business_ensure(owner: User) -> Business:
    business = Business.objects.filter(membership__user=owner, name=DEMO_BUSINESS_NAME).first()
    if business is None:
        business = business_create(
            owner=owner,
            name=DEMO_BUSINESS_NAME,
            trade=Trade.BAKERY,
            town="Fort-de-France",
            timezone=Territory.MARTINIQUE,
            currency=Currency.EUR,
        )
    return business
