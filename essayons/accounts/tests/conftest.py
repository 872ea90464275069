"""Helpers for the accounts tests: invitations made with a known token, hostile input."""

from __future__ import annotations

import re
import secrets

import pytest
from django.conf import settings

from essayons.accounts.models import Invitation, token_digest
from essayons.accounts.roles import Role

SCRIPT = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"


def found(pattern: str, text) -> str:
    """The first group of `pattern` in `text`; fails the test when it is not there."""
    match = re.search(pattern, str(text))
    assert match, f"{pattern!r} not found in {text!r}"
    return match.group(1)


def oversized() -> str:
    """A value bigger than Django accepts to read into memory."""
    return "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)


@pytest.fixture
def make_invitation(business, owner):
    """Create an invitation and return (invitation, token), as if e-mailed."""

    def make(email="newcomer@example.test", role=Role.HELPER, target=None, **fields):
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            business=target or business,
            email=email,
            role=role,
            invited_by=owner,
            token_hash=token_digest(token),
            **fields,
        )
        return invitation, token

    return make
