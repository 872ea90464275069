"""Graph errors and usage headers mapped to our five error classes (CONTRACTS.md §1.1, §4 case 7)."""

from datetime import UTC, datetime, timedelta

import pytest

from essayons.connectors.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from essayons.connectors.facebook.client import graph_error, multipart, throttle_until
from essayons.connectors.tests.support import fixtures_of

fixture = fixtures_of(__file__)
NOW = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


def mapped(name, status=400, *, side_effect=True, retry_at=None):
    return graph_error(
        status,
        fixture(name),
        side_effect=side_effect,
        network="facebook",
        retry_at=retry_at,
        now=NOW,
    )


@pytest.mark.parametrize("name", ["error_190_463", "error_190_460", "error_190_467"])
def test_revoked_or_expired_token_is_auth_expired(name):
    error = mapped(name)
    assert type(error) is AuthExpired
    assert error.code == "190"
    assert error.network == "facebook"


@pytest.mark.parametrize(
    "name, code", [("error_4", "4"), ("error_17", "17"), ("error_32", "32"), ("error_613", "613")]
)
def test_throttling_codes_wait_an_hour_when_meta_gives_no_time(name, code):
    error = mapped(name)
    assert type(error) is RateLimited
    assert error.code == code
    assert error.retry_at == NOW + timedelta(minutes=60)


def test_throttling_code_uses_the_time_the_headers_give():
    retry = NOW + timedelta(minutes=27)
    error = mapped("error_4", retry_at=retry)
    assert isinstance(error, RateLimited) and error.retry_at == retry


@pytest.mark.parametrize("side_effect", [True, False])
def test_duplicate_is_rejected_never_transient(side_effect):
    error = mapped("error_506", side_effect=side_effect)
    assert type(error) is Rejected
    assert error.code == "506"
    assert "identical to the last one" in str(error)


def test_policy_block_is_told_to_the_owner():
    error = mapped("error_368")
    assert type(error) is Rejected and error.code == "368"


@pytest.mark.parametrize(
    "name, code",
    [("error_200", "200:pages_read_engagement"), ("error_10", "10:pages_read_engagement")],
)
def test_missing_permission_is_rejected_with_the_permission(name, code):
    error = mapped(name, status=403)
    assert type(error) is Rejected
    assert error.code == code


@pytest.mark.parametrize("name", ["error_1", "error_2"])
def test_codes_1_and_2_are_unknown_outcomes_for_a_write(name):
    assert type(mapped(name, status=500)) is UnknownOutcome


@pytest.mark.parametrize("name", ["error_1", "error_2"])
def test_codes_1_and_2_are_transient_for_a_read(name):
    assert type(mapped(name, status=500, side_effect=False)) is Transient


def test_server_error_without_body_is_unknown_for_a_write_transient_for_a_read():
    write = graph_error(502, None, side_effect=True, network="facebook", retry_at=None, now=NOW)
    read = graph_error(502, None, side_effect=False, network="facebook", retry_at=None, now=NOW)
    assert type(write) is UnknownOutcome and type(read) is Transient


def test_invalid_parameter_is_rejected_with_the_message_for_the_user():
    error = mapped("error_100")
    assert type(error) is Rejected and error.code == "100"
    assert str(error) == "The link you entered could not be read."


def test_bare_401_and_429_without_graph_body():
    assert (
        type(graph_error(401, {}, side_effect=True, network="f", retry_at=None, now=NOW))
        is AuthExpired
    )
    limited = graph_error(429, {}, side_effect=True, network="f", retry_at=None, now=NOW)
    assert type(limited) is RateLimited and limited.retry_at > NOW


# Usage headers ----------------------------------------------------------------------------


def headers(name):
    return {key.lower(): value for key, value in fixture(name).items()}


def test_business_use_case_usage_at_95_percent_waits_for_meta_estimate():
    assert throttle_until(headers("headers_buc_95"), NOW) == NOW + timedelta(minutes=12)


def test_business_use_case_usage_throttled_gives_the_time_to_regain_access():
    assert throttle_until(headers("headers_buc_throttled"), NOW) == NOW + timedelta(minutes=27)


def test_low_usage_says_nothing():
    assert throttle_until(headers("headers_buc_low"), NOW) is None


def test_app_usage_above_threshold_waits_a_quarter_of_an_hour():
    assert throttle_until(headers("headers_app_92"), NOW) == NOW + timedelta(minutes=15)


def test_missing_or_garbled_header_is_unknown_not_zero_percent():
    assert throttle_until({}, NOW) is None
    assert throttle_until({"x-business-use-case-usage": "{not json"}, NOW) is None


def test_business_use_case_wins_over_app_usage():
    both = {**headers("headers_buc_low"), **headers("headers_app_92")}
    assert throttle_until(both, NOW) is None


def test_multipart_body_is_well_formed():
    body, content_type = multipart(
        {"message": "Bonjour é"}, [("source", "image/jpeg", b"\xff\xd8")]
    )
    boundary = content_type.split("boundary=")[1]
    assert content_type.startswith("multipart/form-data; boundary=essayons-")
    assert body.startswith(f"--{boundary}\r\n".encode())
    assert b'name="message"\r\n\r\nBonjour \xc3\xa9\r\n' in body
    assert (
        b'name="source"; filename="image-0"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\r\n' in body
    )
    assert body.endswith(f"--{boundary}--\r\n".encode())
