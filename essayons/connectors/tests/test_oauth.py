import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from essayons.connectors.oauth import OAuthStateError, oauth_finish, oauth_start, pkce_challenge


@pytest.fixture
def request_with_session(db):
    request = RequestFactory().get("/")
    request.session = SessionStore()
    return request


def test_pkce_challenge_matches_rfc7636_example():
    # RFC 7636 Appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_round_trip_gives_the_verifier_once(request_with_session):
    started = oauth_start(
        request_with_session, kind="mastodon", extra={"instance": "https://m.example"}
    )
    verifier, extra = oauth_finish(request_with_session, kind="mastodon", state=started.state)
    assert pkce_challenge(verifier) == started.code_challenge
    assert extra == {"instance": "https://m.example"}
    with pytest.raises(OAuthStateError):
        oauth_finish(request_with_session, kind="mastodon", state=started.state)


@pytest.mark.parametrize("state", ["", "forged", "x" * 43])
def test_wrong_state_is_refused(request_with_session, state):
    oauth_start(request_with_session, kind="facebook")
    with pytest.raises(OAuthStateError):
        oauth_finish(request_with_session, kind="facebook", state=state)


def test_state_of_another_network_is_refused(request_with_session):
    started = oauth_start(request_with_session, kind="linkedin")
    with pytest.raises(OAuthStateError):
        oauth_finish(request_with_session, kind="facebook", state=started.state)


def test_old_round_trip_is_refused(request_with_session, monkeypatch):
    started = oauth_start(request_with_session, kind="google")
    monkeypatch.setattr("essayons.connectors.oauth.time.time", lambda: 10**12)
    with pytest.raises(OAuthStateError):
        oauth_finish(request_with_session, kind="google", state=started.state)
