import pytest

from essayons.connectors.bluesky.tests.helpers import APP_PASSWORD, DID, PDS, fixture
from essayons.connectors.tests.support import connection_make


@pytest.fixture
def account(business):
    """A Bluesky account of the business with a live session."""
    session = fixture("session")
    return connection_make(
        business,
        "bluesky",
        DID,
        {
            "app_password": APP_PASSWORD,
            "access_jwt": session["accessJwt"],
            "refresh_jwt": session["refreshJwt"],
        },
        account_name="@boulangerie.bsky.social",
        instance_url=PDS,
    )


def pytest_configure(config):
    # Tests against real peers (also selected alone by `make test-peers`).
    config.addinivalue_line("markers", "peers: tests against a real peer server")
