import pytest

from essayons.connectors.mastodon.tests.helpers import ACCOUNT, INSTANCE, TOKEN
from essayons.connectors.tests.support import connection_make


@pytest.fixture
def account(business):
    """A Mastodon account of the business on piaille.example, limits already read."""
    return connection_make(
        business,
        "mastodon",
        f"{ACCOUNT}@piaille.example",
        {"access_token": TOKEN},
        account_name="@boulangerie@piaille.example",
        instance_url=INSTANCE,
        limits={"max_length": 500, "max_images": 4, "url_length": 23},
    )


def pytest_configure(config):
    # Tests against real peers (also selected alone by `make test-peers`).
    config.addinivalue_line("markers", "peers: tests against a real peer server")
