"""Mastodon answers and mentions: the exact requests, each error class, reconciliation, polling.

Fixture shapes follow the documentation's examples:
- notifications_mentions.json: https://docs.joinmastodon.org/methods/notifications/#get
  (the sample page, newest first, a favourite among the mentions);
- status_reply.json: https://docs.joinmastodon.org/methods/statuses/#create (a Status);
- context.json: https://docs.joinmastodon.org/methods/statuses/#context.
"""

import json
import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from essayons.connectors.base import Published, ReplyTarget
from essayons.connectors.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from essayons.connectors.mastodon.connector import MastodonConnector
from essayons.connectors.mastodon.tests.helpers import ACCOUNT, INSTANCE, TOKEN, connector, fixture
from essayons.connectors.tests.support import answer
from essayons.lib.http import FakeTransport, Response, TransportError, use_transport

pytestmark = pytest.mark.django_db

CUSTOMER_STATUS = "103186126728896492"
KEY = "reply-7-attempt"
NOTIFICATIONS = f"{INSTANCE}/api/v1/notifications?types%5B%5D=mention&limit=40"


def target(**context):
    context = {"acct": "zsc", "visibility": "public", **context}
    return ReplyTarget(remote_id=CUSTOMER_STATUS, author_remote_id="971724", context=context)


def reply(account, text="Oui, de 8h à 13h !\nGalettes tout le mois.", **context):
    return connector(account).reply(target=target(**context), text=text, attempt_key=KEY)


def find(account, *, minutes_ago, text="Oui, de 8h à 13h !\nGalettes tout le mois.", **context):
    since = timezone.now() - timedelta(minutes=minutes_ago)
    return connector(account).find_reply(
        target=target(**context), text=text, attempt_key=KEY, since=since
    )


def poll(account, cursor=""):
    return connector(account).inbox_poll(kind="mentions", cursor=cursor)


def mention(number, **status):
    """A mention notification numbered `number` (ids as strings of that number)."""
    base = fixture("notifications_mentions")[0]
    return {
        **base,
        "id": str(number),
        "status": {**base["status"], "id": f"9{number}", "created_at": "2026-11-26T09:00:00Z"}
        | status,
    }


def recent(notifications):
    """The fixture's notifications dated now, so that the first poll keeps them."""
    now = timezone.now().isoformat()
    return [{**n, "status": {**n["status"], "created_at": now}} for n in notifications]


def test_the_connector_says_what_it_can_do():
    assert MastodonConnector.supports_reply and MastodonConnector.supports_inbox
    assert MastodonConnector.inbox_kinds == ("mentions",)
    assert MastodonConnector.reply_reconciliation == "idempotency_key"


# --- replying ----------------------------------------------------------------------------


def test_a_reply_is_sent_in_the_thread_mentioning_the_customer_with_the_key(account):
    fake = FakeTransport(answer(fixture("status_reply")))
    with use_transport(fake):
        published = reply(account)
    [sent] = fake.requests
    assert (sent.method, sent.url) == ("POST", f"{INSTANCE}/api/v1/statuses")
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["Idempotency-Key"] == KEY
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.json() == {
        "status": "@zsc Oui, de 8h à 13h !\nGalettes tout le mois.",
        "visibility": "unlisted",
        "in_reply_to_id": CUSTOMER_STATUS,
    }
    assert published == Published(
        remote_id="113475901234567890",
        url="https://piaille.example/@boulangerie/113475901234567890",
    )


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        ("Merci @zsc, à dimanche", "Merci @zsc, à dimanche"),
        ("@ZSC merci", "@ZSC merci"),
        ("Merci @zscx", "@zsc Merci @zscx"),
        ("Écrivez à zsc@piaille.example", "@zsc Écrivez à zsc@piaille.example"),
        ("   Merci", "@zsc Merci"),
    ],
)
def test_the_customer_is_mentioned_once(account, text, sent):
    fake = FakeTransport(answer(fixture("status_reply")))
    with use_transport(fake):
        reply(account, text)
    assert fake.last.json()["status"] == sent


@pytest.mark.parametrize(
    ("theirs", "ours"),
    [
        ("public", "unlisted"),
        ("unlisted", "unlisted"),
        ("private", "direct"),
        ("direct", "direct"),
        ("", "direct"),
        ("limited", "direct"),
    ],
)
def test_the_answer_never_reaches_a_wider_audience(account, theirs, ours):
    fake = FakeTransport(answer(fixture("status_reply")))
    with use_transport(fake):
        reply(account, visibility=theirs)
    assert fake.last.json()["visibility"] == ours


def test_a_remote_customer_is_mentioned_with_the_domain_which_does_not_count(account):
    text = "x" * (500 - len("@haskal "))
    fake = FakeTransport(answer(fixture("status_reply")))
    with use_transport(fake):
        reply(account, text, acct="haskal@a-very-long-instance-name.example")
    assert fake.last.json()["status"] == f"@haskal@a-very-long-instance-name.example {text}"


def test_an_answer_over_the_instance_limit_is_refused_before_sending(account):
    fake = FakeTransport(answer(fixture("status_reply")))
    with use_transport(fake), pytest.raises(Rejected) as caught:
        reply(account, "x" * 496)  # "@zsc " makes 501
    assert caught.value.code == "too_long"
    assert fake.requests == []


@pytest.mark.parametrize("acct", ["", "zsc @carol", "<script>", "a@b@c", None])
def test_without_a_clean_author_nothing_is_sent(account, acct):
    context = {"visibility": "direct"} if acct is None else {"acct": acct}
    fake = FakeTransport(answer(fixture("status_reply")))
    with use_transport(fake), pytest.raises(Rejected) as caught:
        connector(account).reply(
            target=ReplyTarget(remote_id=CUSTOMER_STATUS, context=context),
            text="Merci",
            attempt_key=KEY,
        )
    assert caught.value.code == "no_recipient"
    assert fake.requests == []


@pytest.mark.parametrize("remote_id", ["", "../admin", "1 2"])
def test_a_target_id_of_the_wrong_shape_is_refused(account, remote_id):
    fake = FakeTransport(answer(fixture("status_reply")))
    with use_transport(fake), pytest.raises(Rejected):
        connector(account).reply(
            target=ReplyTarget(remote_id=remote_id, context={"acct": "zsc"}),
            text="Merci",
            attempt_key=KEY,
        )
    assert fake.requests == []


def test_an_empty_answer_is_refused(account):
    with use_transport(FakeTransport()) as fake, pytest.raises(Rejected) as caught:
        reply(account, "  \n ")
    assert caught.value.code == "empty"
    assert fake.requests == []


@pytest.mark.parametrize(
    ("status", "name", "error", "code"),
    [
        (401, "error_token", AuthExpired, "invalid_token"),
        (403, "error_forbidden", AuthExpired, "forbidden"),
        (404, "error_token", Rejected, "http_404"),
        (422, "error_validation", Rejected, "unprocessable"),
        (429, "error_rate_limited", RateLimited, "rate_limited"),
        (500, "error_rate_limited", UnknownOutcome, "http_500"),
        (502, "error_rate_limited", UnknownOutcome, "http_502"),
        (503, "error_rate_limited", UnknownOutcome, "http_503"),
    ],
)
def test_each_answer_to_a_reply_maps_to_one_error_class(account, status, name, error, code):
    with (
        use_transport(FakeTransport(answer(fixture(name), status=status))),
        pytest.raises(error) as caught,
    ):
        reply(account)
    assert caught.value.code == code
    assert caught.value.network == "mastodon"


@pytest.mark.parametrize("cause", [TimeoutError(), ConnectionResetError(), None])
def test_no_answer_to_a_reply_is_an_unknown_outcome(account, cause):
    error = TransportError("timed out")
    error.__cause__ = cause
    with use_transport(FakeTransport(error)), pytest.raises(UnknownOutcome):
        reply(account)


def test_a_reply_refused_before_sending_is_transient(account):
    error = TransportError("refused")
    error.__cause__ = ConnectionRefusedError()
    with use_transport(FakeTransport(error)), pytest.raises(Transient) as caught:
        reply(account)
    assert not isinstance(caught.value, UnknownOutcome)


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": "1139',
        b"<html>502 Bad Gateway</html>",
        b'["113475901234567890"]',
        b'{"id": 113475901234567890}',
        b'{"url": "https://piaille.example/@boulangerie/1"}',
    ],
)
def test_a_success_without_a_readable_status_is_an_unknown_outcome(account, body):
    broken = Response(status=200, body=body, headers={"content-type": "application/json"})
    with use_transport(FakeTransport(broken)), pytest.raises(UnknownOutcome) as caught:
        reply(account)
    assert caught.value.code == "malformed"


def test_a_hostile_status_url_is_not_kept(account):
    status = {**fixture("status_reply"), "url": "javascript:alert(1)"}
    with use_transport(FakeTransport(answer(status))):
        published = reply(account)
    assert published == Published(remote_id="113475901234567890", url="")


# --- after an unknown outcome ------------------------------------------------------------


def test_within_the_window_the_reply_is_sent_again_with_the_same_key(account):
    fake = FakeTransport(TransportError("timed out"), answer(fixture("status_reply")))
    with use_transport(fake):
        with pytest.raises(UnknownOutcome):
            reply(account)
        found = find(account, minutes_ago=10)
    assert [(r.method, r.headers["Idempotency-Key"]) for r in fake.requests] == [
        ("POST", KEY),
        ("POST", KEY),
    ]
    assert fake.requests[0].body == fake.requests[1].body
    assert found.remote_id == "113475901234567890"


def test_after_the_window_the_thread_is_read_and_our_reply_found(account):
    fake = FakeTransport(answer(fixture("context")))
    with use_transport(fake):
        found = find(account, minutes_ago=75)
    [read] = fake.requests
    assert (read.method, read.url) == (
        "GET",
        f"{INSTANCE}/api/v1/statuses/{CUSTOMER_STATUS}/context",
    )
    assert read.headers["Authorization"] == f"Bearer {TOKEN}"
    assert found == Published(
        remote_id="113475901234567890",
        url="https://piaille.example/@boulangerie/113475901234567890",
    )


def test_a_remote_mention_shows_as_its_username_and_still_matches(account):
    """We wrote "@haskal@cybre.space …", the instance renders "@haskal …"."""
    context = fixture("context")
    ours = context["descendants"][0]
    ours["content"] = (
        '<p><span class="h-card"><a href="https://cybre.space/@haskal" class="u-url mention">'
        "@<span>haskal</span></a></span> Nous regardons votre commande &amp; revenons vers vous.</p>"
    )
    with use_transport(FakeTransport(answer(context))):
        found = find(
            account,
            minutes_ago=75,
            text="Nous regardons votre commande & revenons vers vous.",
            acct="haskal@cybre.space",
        )
    assert found is not None


@pytest.mark.parametrize(
    "change",
    [
        {"content": "<p>@<span>zsc</span> Autre chose</p>"},
        {"account": {"id": "971724", "acct": "zsc"}},
        {"in_reply_to_id": "113475909999999999"},
        {"account": "109302436954721982"},
    ],
)
def test_after_the_window_no_matching_reply_of_ours_means_none(account, change):
    context = fixture("context")
    context["descendants"][0].update(change)
    fake = FakeTransport(answer(context))
    with use_transport(fake):
        assert find(account, minutes_ago=75) is None
    assert [r.method for r in fake.requests] == ["GET"]


def test_when_the_thread_cannot_be_read_we_cannot_tell(account):
    fake = FakeTransport(answer(fixture("error_rate_limited"), status=503))
    with use_transport(fake), pytest.raises(Transient) as caught:
        find(account, minutes_ago=75)
    assert not isinstance(caught.value, UnknownOutcome)


@pytest.mark.parametrize("body", [{"ancestors": []}, {"descendants": "none"}, [1, 2]])
def test_a_thread_of_the_wrong_shape_is_not_taken_for_an_absence(account, body):
    with use_transport(FakeTransport(answer(body))), pytest.raises(Transient) as caught:
        find(account, minutes_ago=75)
    assert caught.value.code == "malformed"


def test_a_deleted_customer_status_sends_us_to_our_own_statuses(account):
    ours = {**fixture("status_reply"), "created_at": timezone.now().isoformat()}
    fake = FakeTransport(answer({"error": "Record not found"}, status=404), answer([ours]))
    with use_transport(fake):
        found = find(account, minutes_ago=75)
    assert [r.url for r in fake.requests] == [
        f"{INSTANCE}/api/v1/statuses/{CUSTOMER_STATUS}/context",
        f"{INSTANCE}/api/v1/accounts/{ACCOUNT}/statuses?limit=40&exclude_reblogs=true",
    ]
    assert found.remote_id == "113475901234567890"


def test_a_deleted_customer_status_within_the_window_is_looked_up_too(account):
    gone = answer({"error": "Record not found"}, status=404)
    old = {**fixture("status"), "created_at": "2020-01-01T00:00:00Z"}
    fake = FakeTransport(gone, gone, answer([old]))
    with use_transport(fake):
        assert find(account, minutes_ago=10) is None
    assert [r.method for r in fake.requests] == ["POST", "GET", "GET"]


def test_too_many_statuses_since_the_first_try_cannot_tell(account):
    busy = {**fixture("status"), "id": "900", "created_at": timezone.now().isoformat()}
    fake = FakeTransport(answer({"error": "Record not found"}, status=404), answer([busy] * 40))
    with use_transport(fake), pytest.raises(UnknownOutcome) as caught:
        find(account, minutes_ago=75)
    assert caught.value.code == "lookup_exhausted"
    assert len(fake.requests) == 1 + 5


# --- polling mentions --------------------------------------------------------------------


def test_the_first_poll_reads_the_newest_page_of_mentions(account):
    fake = FakeTransport(answer(recent(fixture("notifications_mentions"))))
    with use_transport(fake):
        page = poll(account)
    [sent] = fake.requests
    assert (sent.method, sent.url) == ("GET", f"{NOTIFICATIONS}&include_filtered=true")
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert [item.remote_id for item in page.items] == ["103186021143214875", CUSTOMER_STATUS]
    assert page.next_cursor == "34975861"
    assert page.more is False


def test_a_mention_carries_what_the_answer_needs(account):
    with use_transport(FakeTransport(answer(recent(fixture("notifications_mentions"))))):
        direct, public = poll(account).items
    assert public.channel == "mastodon"
    assert public.text == "@boulangerie Vous ouvrez dimanche ?\nEt vous avez des galettes ?"
    assert (public.author_name, public.author_remote_id) == ("Zoé S.", "971724")
    assert (public.thread_id, public.post_remote_id) == (CUSTOMER_STATUS, "")
    assert public.context == {
        "acct": "zsc",
        "visibility": "public",
        "url": "https://piaille.example/@zsc/103186126728896492",
    }
    assert direct.text == (
        "@boulangerie My order https://shop.example/orders/12345 never came & nobody answers."
    )
    assert direct.author_name == "haskal@cybre.space"  # no display name: the acct
    assert (direct.thread_id, direct.post_remote_id) == (
        "113475838432117845",
        "113475838432117845",
    )
    assert direct.context["visibility"] == "direct"
    assert direct.received_at.tzinfo is not None


def test_the_first_poll_keeps_only_the_last_thirty_days(account):
    old, new = mention(1, created_at="2019-11-23T07:49:01.940Z"), mention(2)
    new["status"]["created_at"] = (timezone.now() - timedelta(days=29)).isoformat()
    with use_transport(FakeTransport(answer([new, old]))):
        page = poll(account)
    assert [item.remote_id for item in page.items] == ["92"]
    assert page.next_cursor == "2"


def test_later_polls_walk_forward_from_the_cursor_page_by_page(account):
    """min_id: "results immediately newer than this ID", newest first within the page."""
    full = [mention(n) for n in range(140, 100, -1)]
    rest = [mention(n) for n in range(142, 140, -1)]
    fake = FakeTransport(answer(full), answer(rest), answer([]))
    with use_transport(fake):
        first = poll(account, "100")
        second = poll(account, first.next_cursor)
        third = poll(account, second.next_cursor)
    assert [r.url for r in fake.requests] == [
        f"{NOTIFICATIONS}&min_id={cursor}&include_filtered=true" for cursor in ("100", "140", "142")
    ]
    assert (len(first.items), first.next_cursor, first.more) == (40, "140", True)
    assert [item.remote_id for item in first.items][:2] == ["9101", "9102"]  # oldest first
    assert (len(second.items), second.next_cursor, second.more) == (2, "142", False)
    assert (third.items, third.next_cursor, third.more) == ((), "142", False)


def test_old_mentions_are_read_in_full_when_walking(account):
    """Only the first poll forgets the old ones; after it every mention counts."""
    with use_transport(FakeTransport(answer(fixture("notifications_mentions")))):
        page = poll(account, "34975000")
    assert len(page.items) == 2


def test_a_poll_that_fails_asks_for_the_same_page_again(account):
    fake = FakeTransport(
        answer(fixture("error_rate_limited"), status=503),
        TransportError("reset"),
        answer([mention(101)]),
    )
    with use_transport(fake):
        with pytest.raises(Transient):
            poll(account, "100")
        with pytest.raises(Transient):
            poll(account, "100")
        page = poll(account, "100")
    assert len({r.url for r in fake.requests}) == 1
    assert page.next_cursor == "101"


def test_ids_are_compared_as_mastodon_says_not_as_text(account):
    """Longer is newer: "1000" comes after "999" although "999" > "1000" as text."""
    with use_transport(FakeTransport(answer([mention(999), mention(1000)]))):
        page = poll(account, "998")
    assert page.next_cursor == "1000"
    assert [item.remote_id for item in page.items] == ["9999", "91000"]


def test_our_own_statuses_are_skipped_but_passed(account):
    ours = mention(102)
    ours["account"] = {**ours["account"], "id": ACCOUNT, "acct": "boulangerie"}
    by_us = mention(103)
    by_us["status"]["account"] = {"id": ACCOUNT, "acct": "boulangerie"}
    with use_transport(FakeTransport(answer([by_us, ours, mention(101)]))):
        page = poll(account, "100")
    assert [item.remote_id for item in page.items] == ["9101"]
    assert page.next_cursor == "103"


def test_an_empty_first_poll_starts_from_zero(account):
    with use_transport(FakeTransport(answer([]))):
        page = poll(account)
    assert (page.items, page.next_cursor, page.more) == ((), "0", False)


def test_the_link_header_moves_the_cursor_past_unreadable_items(account):
    link = (
        f'<{INSTANCE}/api/v1/notifications?max_id=150&types[]=mention>; rel="next", '
        f'<{INSTANCE}/api/v1/notifications?min_id=190&types[]=mention>; rel="prev"'
    )
    fake = FakeTransport(answer([{"id": 190}, "junk"], headers={"Link": link}))
    with use_transport(fake):
        page = poll(account, "100")
    assert page.next_cursor == "190"
    assert fake.last.url.startswith(NOTIFICATIONS)
    assert len(fake.requests) == 1  # the Link URL is read, never fetched


def test_a_link_header_pointing_back_never_moves_the_cursor_back(account):
    link = f'<{INSTANCE}/api/v1/notifications?min_id=5>; rel="prev"'
    with use_transport(FakeTransport(answer(["junk"], headers={"Link": link}))):
        page = poll(account, "100")
    assert page.next_cursor == "100"


def test_an_unreadable_cursor_is_read_as_a_first_poll(account, caplog):
    fake = FakeTransport(answer([]))
    with use_transport(fake), caplog.at_level(logging.WARNING):
        poll(account, "../../etc?x=1")
    assert "min_id" not in fake.last.url
    assert "unreadable inbox cursor" in caplog.text


def test_an_unknown_kind_is_refused(account):
    with use_transport(FakeTransport()) as fake, pytest.raises(Rejected) as caught:
        connector(account).inbox_poll(kind="favourites", cursor="")
    assert caught.value.code == "unknown_kind"
    assert fake.requests == []


# --- hostile and broken answers ----------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Bad gateway</html>",
        b'{"error": "truncated',
        b'{"notifications": []}',
        b"null",
        b'"mention"',
    ],
)
def test_a_page_that_is_not_a_list_is_a_clear_transient_error(account, body):
    broken = Response(status=200, body=body, headers={"content-type": "application/json"})
    with use_transport(FakeTransport(broken)), pytest.raises(Transient) as caught:
        poll(account, "100")
    assert caught.value.code == "malformed"


def test_a_huge_answer_is_cut_off_and_transient(account):
    huge = Response(status=200, body=b"[" + b" " * 5_000_001 + b"]")
    with use_transport(FakeTransport(huge)), pytest.raises(Transient):
        poll(account, "100")


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthExpired), (403, AuthExpired), (429, RateLimited), (500, Transient)],
)
def test_each_refusal_of_a_poll_maps_to_one_error_class(account, status, error):
    with (
        use_transport(FakeTransport(answer({"error": "no"}, status=status))),
        pytest.raises(error) as caught,
    ):
        poll(account, "100")
    assert not isinstance(caught.value, UnknownOutcome)


def broken_items():
    good = mention(101)
    wrong = [
        "a string",
        42,
        None,
        {**mention(102), "status": None},
        {**mention(103), "account": "zsc"},
        {**mention(104), "status": {**mention(104)["status"], "id": 104}},
        {**mention(105), "status": {**mention(105)["status"], "created_at": "yesterday"}},
        {**mention(106), "status": {**mention(106)["status"], "content": ["<p>hi</p>"]}},
        {**mention(107), "account": {**mention(107)["account"], "acct": "zsc @everyone"}},
        {**mention(108), "account": {**mention(108)["account"], "id": None}},
        {**mention(109), "type": "follow"},
        {"id": "110"},
    ]
    return [good, *wrong]


def test_items_of_the_wrong_shape_are_skipped_with_a_log_line(account, caplog):
    with (
        use_transport(FakeTransport(answer(broken_items()))),
        caplog.at_level(logging.WARNING),
    ):
        page = poll(account, "100")
    assert [item.remote_id for item in page.items] == ["9101"]
    assert page.next_cursor == "110"
    assert caplog.text.count("of the wrong shape") == 7


def test_huge_text_is_capped(account):
    content = "<p>" + "pain " * 4000 + "</p>"
    with use_transport(FakeTransport(answer([mention(101, content=content)]))):
        [item] = poll(account, "100").items
    assert len(item.text) == 5000


def test_html_and_script_in_a_mention_are_kept_as_text(account):
    content = (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; <script>steal()</script>"
        '<img src=x onerror="alert(2)"> &quot;ok&quot;</p>'
    )
    with use_transport(FakeTransport(answer([mention(101, content=content)]))):
        [item] = poll(account, "100").items
    assert item.text == '<script>alert(1)</script> steal() "ok"'


def test_a_content_warning_comes_first(account):
    status = {"spoiler_text": "Réclamation", "content": "<p>Pain rassis.</p>"}
    with use_transport(FakeTransport(answer([mention(101, **status)]))):
        [item] = poll(account, "100").items
    assert item.text == "Réclamation\n\nPain rassis."


def test_a_hostile_status_url_is_not_carried(account):
    with use_transport(FakeTransport(answer([mention(101, url="javascript:alert(1)")]))):
        [item] = poll(account, "100").items
    assert "url" not in item.context
    assert json.dumps(dict(item.context))  # strings only


def test_lists_from_remote_servers_keep_their_lines(account):
    content = "<p>Ma commande :</p><ul><li>2 baguettes</li><li>1 tarte</li></ul>"
    with use_transport(FakeTransport(answer([mention(101, content=content)]))):
        [item] = poll(account, "100").items
    assert item.text == "Ma commande :\n\n2 baguettes\n1 tarte"
