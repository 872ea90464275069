"""One worker taking one delivery one step further (CONTRACTS.md §3.1, DESIGN.md invariant 1).

1. Claim (`take`, a whole batch at once), in one transaction: the post rows locked first,
   then the deliveries still `pending` and due; each post checked (still wanted as planned?
   every network's rules met, at its first claim); a conditional update `pending → claimed`
   decides who owns them. When nothing is left to check (a working account, no earlier
   uncertain try) the same update goes straight to `sending` and the Attempt rows are written
   with it. No network call has happened yet.
2. If an earlier try may have reached the network (`needs_reconcile`), ask the network first
   (reconcile.py). Found: published. The network cannot tell: the owner decides.
3. `claimed → sending` with the Attempt row, committed BEFORE the network call.
4. The call. Published: the remote id is written in the same transaction that marks it
   published. Otherwise the error class decides (state.failure).

Killed before the claim commits: nothing happened, the queue hands it out again. Killed while
`claimed`: no call was made (or only a read), the lease puts it back. Killed while `sending`:
the lease makes it `unknown`, and step 2 runs before any new try.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F

from essayons.connectors.base import Connector, Outgoing, Published
from essayons.connectors.errors import ConnectorError, UnknownOutcome
from essayons.connectors.manual.connector import ManualConnector
from essayons.connectors.models import Connection, ConnectionStatus
from essayons.connectors.registry import CONNECTORS
from essayons.planner.models import Post, PostStatus
from essayons.publishing import clock
from essayons.publishing.content import content_check, outgoings_for
from essayons.publishing.models import OPEN_STATUSES, Attempt, AttemptKind, Delivery
from essayons.publishing.queries import connection_for
from essayons.publishing.services.notify import network_name, owner_tell
from essayons.publishing.services.plan import deliveries_plan
from essayons.publishing.services.reconcile import reconcile
from essayons.publishing.services.state import (
    DETAIL_CHARS,
    OUT,
    S,
    attempt_start,
    failure,
    hand_over,
    lock_posts,
    log,
    owner_decides,
    published,
    settle,
    tell_once,
    worker_name,
    write_turn,
)


def _post_wants(post: Post, delivery: Delivery) -> str:
    """Whether the post still wants it: "yes", "replan" (edited since) or "no" (taken back)."""
    if post.deleted_at is None and post.status == PostStatus.PUBLISHING:
        return "yes"
    if post.deleted_at is None and post.status == PostStatus.SCHEDULED:
        return "yes" if post.version == delivery.post_version else "replan"
    return "no"


def _ready(delivery: Delivery, now: datetime) -> bool:
    """Nothing left to check or decide before calling the network."""
    account = delivery.connection
    if delivery.needs_reconcile or account is None:
        return False
    if account.status != ConnectionStatus.ACTIVE or account.business_id != delivery.business_id:
        return False
    if not CONNECTORS.get(account.kind, ManualConnector).supports_publish:
        return False
    return account.rate_limited_until is None or account.rate_limited_until <= now


def _refused_everywhere(post: Post) -> bool:
    """At the first claim, check every network of the post: one refusal holds them all back,
    so that a post is never half-published (CONTRACTS.md §4 case 9)."""
    problems = content_check(
        business=post.business,
        text=post.text,
        image_count=post.images.count(),
        channels=list(post.channels),
    )
    if not problems:
        return False
    by_channel: dict[str, str] = {}
    for problem in problems:
        by_channel.setdefault(problem.channel, problem.message)
    rule = " ".join(f"{network_name(c)} : {m}" for c, m in by_channel.items())
    first = None
    for delivery in Delivery.objects.filter(post=post, status__in=[*OPEN_STATUSES]):
        Delivery.objects.filter(pk=delivery.pk).update(
            status=S.FAILED,
            next_try_at=None,
            last_error_class="",
            last_error_code="content_limits",
            last_message_key="content_limits",
            last_error_detail=(by_channel.get(delivery.channel) or rule)[:DETAIL_CHARS],
            version=F("version") + 1,
        )
        first = first or delivery
    Post.objects.filter(pk=post.pk).update(
        status=PostStatus.FAILED, version=F("version") + 1, updated_at=clock.now()
    )
    if first is not None:
        first.post = post
        owner_tell(first, "content_limits", rule=rule[:600])
    return True


@dataclass
class Taken:
    """A delivery this worker now owns; `attempt` and `outgoing` when it went straight to
    `sending` (everything checked), else it is `claimed` and goes the careful way (_work)."""

    delivery: Delivery
    attempt: Attempt | None = None
    outgoing: Outgoing | None = None


def _withdraw(deliveries: list[Delivery], post: Post, wanted: str) -> None:
    """Deliveries of a post edited (plan again: the new time and text decide) or taken back."""
    ids = [d.pk for d in deliveries]
    if wanted == "replan":
        Delivery.objects.filter(pk__in=ids).update(status=S.SCHEDULED)
        deliveries_plan(post=post)
    else:
        Delivery.objects.filter(pk__in=ids).update(status=S.CANCELLED, next_try_at=None)


class ClaimLost(Exception):
    """A delivery of the batch was not `pending` any more at the claim: start again."""


def take(delivery_ids: list[int], worker: str) -> list[Taken]:
    try:
        return _take(delivery_ids, worker)
    except ClaimLost:
        log.warning("a batch claim was rolled back: %s", delivery_ids)
        return []


def _take(delivery_ids: list[int], worker: str) -> list[Taken]:
    """Step 1 for a batch, in one transaction: the posts locked (id order), then the
    deliveries still `pending` and due (id order), checked, and moved together — to
    `sending` with their Attempt rows when nothing is left to check, else to `claimed`."""
    now = clock.now()
    with write_turn():
        post_ids = set(
            Delivery.objects.filter(pk__in=delivery_ids, status=S.PENDING).values_list(
                "post_id", flat=True
            )
        )
        if not post_ids:
            return []
        posts = lock_posts(sorted(post_ids))
        deliveries = list(
            Delivery.objects.select_for_update(of=("self",))
            .select_related("business", "connection")
            .filter(pk__in=delivery_ids, status=S.PENDING, next_try_at__lte=now)
            .order_by("pk")
        )
        by_post: dict[int, list[Delivery]] = {}
        for delivery in deliveries:
            delivery.post = posts[delivery.post_id]
            by_post.setdefault(delivery.post_id, []).append(delivery)
        kept: list[Delivery] = []
        for post_id, mine in by_post.items():
            post = posts[post_id]
            wanted = (
                _post_wants(post, mine[0]) if len({d.post_version for d in mine}) == 1 else "replan"
            )
            if wanted != "yes":
                _withdraw(mine, post, wanted)
            elif post.status == PostStatus.PUBLISHING or not _refused_everywhere(post):
                kept += mine
        straight = [d for d in kept if _ready(d, now)]
        careful = [d for d in kept if not _ready(d, now)]
        for status, group in ((S.SENDING, straight), (S.CLAIMED, careful)):
            # The rows are locked, so this conditional update cannot miss one; if it ever did,
            # the whole batch is rolled back rather than work on a delivery not ours.
            claimed = Delivery.objects.filter(
                pk__in=[d.pk for d in group], status=S.PENDING, next_try_at__lte=now
            ).update(status=status, claimed_at=now, claimed_by=worker, version=F("version") + 1)
            if claimed != len(group):
                raise ClaimLost(f"{len(group) - claimed} deliveries changed hands while claimed")
            for delivery in group:
                delivery.status, delivery.claimed_at, delivery.claimed_by = status, now, worker
        first_claims = [
            p for p in {d.post_id for d in kept} if posts[p].status == PostStatus.SCHEDULED
        ]
        Post.objects.filter(pk__in=first_claims, status=PostStatus.SCHEDULED).update(
            status=PostStatus.PUBLISHING, updated_at=now
        )
        for post_id in first_claims:
            posts[post_id].status = PostStatus.PUBLISHING
        attempts = Attempt.objects.bulk_create(
            Attempt(delivery=d, kind=AttemptKind.PUBLISH, started_at=now, worker_id=worker)
            for d in straight
        )
        outgoing = outgoings_for(straight)
    return [Taken(d, a, outgoing[d.pk]) for d, a in zip(straight, attempts, strict=True)] + [
        Taken(d) for d in careful
    ]


def publish_once(
    connector: Connector, outgoing: Outgoing, delivery_id: int
) -> Published | ConnectorError:
    """Step 4: the attempt and `sending` are committed; now the network hears it, once.

    A failure comes back as its error (a bug in the connector as UnknownOutcome: the request
    may have left); a BaseException (the process dying) goes through, leaving `sending`."""
    try:
        return connector.publish(outgoing)
    except ConnectorError as error:
        return error
    except Exception as error:
        log.exception("connector %s crashed publishing delivery %s", connector.kind, delivery_id)
        return UnknownOutcome(type(error).__name__, code="crash")


def call(taken: Taken) -> Published | ConnectorError:
    """Step 4 for a delivery taken straight to `sending`."""
    account, outgoing = taken.delivery.connection, taken.outgoing
    if account is None or outgoing is None:
        raise ValueError("only a delivery taken straight to sending is called")
    return publish_once(CONNECTORS[account.kind](account), outgoing, taken.delivery.pk)


def record(
    delivery: Delivery, worker: str, attempt: Attempt, answer: Published | ConnectorError
) -> str:
    if isinstance(answer, ConnectorError):
        return failure(delivery, worker, attempt, answer)
    return published(delivery, worker, attempt, answer, OUT.PUBLISHED)


def _publish(delivery: Delivery, worker: str, connector: Connector, outgoing: Outgoing) -> str:
    """Steps 3 and 4, for a claimed delivery."""
    with write_turn():
        moved = Delivery.objects.filter(pk=delivery.pk, status=S.CLAIMED, claimed_by=worker).update(
            status=S.SENDING, version=F("version") + 1
        )
        if moved != 1:
            return ""
        attempt = attempt_start(delivery, AttemptKind.PUBLISH, worker)
    return record(delivery, worker, attempt, publish_once(connector, outgoing, delivery.pk))


def _account(delivery: Delivery, worker: str) -> Connection | None:
    """The account to use now: its own if working, else another working one of the business
    on the same network (unless an earlier try on the old one must be checked first)."""
    current = delivery.connection
    if current is not None and current.status == ConnectionStatus.ACTIVE:
        return current
    if not delivery.needs_reconcile:
        replacement = connection_for(
            business_id=delivery.business_id, channel=delivery.channel, working=True
        )
        if replacement is not None:
            Delivery.objects.filter(pk=delivery.pk, claimed_by=worker).update(
                connection=replacement
            )
            delivery.connection = replacement
            return replacement
    return current


def work(delivery: Delivery, worker: str) -> str:
    """Steps 2 to 4 for a claimed delivery that could not go straight out."""
    connection = _account(delivery, worker)
    if connection is not None and connection.business_id != delivery.business_id:
        log.error("delivery %s points at another business's account: refused", delivery.pk)
        return settle(delivery, worker, S.FAILED, next_try_at=None, last_message_key="rejected")
    if connection is None or connection.status == ConnectionStatus.DISABLED:
        if delivery.needs_reconcile:
            return owner_decides(delivery, worker, None, None)
        return hand_over(delivery, worker)
    connector_class = CONNECTORS.get(connection.kind, ManualConnector)
    if not connector_class.supports_publish:
        return hand_over(delivery, worker)
    if connection.status == ConnectionStatus.NEEDS_RECONNECT:
        return settle(
            delivery,
            worker,
            S.NEEDS_RECONNECT,
            then=lambda: tell_once(delivery, "auth_expired"),
            next_try_at=None,
            last_message_key="auth_expired",
        )
    until = connection.rate_limited_until
    if until is not None and until > clock.now():
        return settle(
            delivery, worker, S.DEFERRED, next_try_at=until, last_message_key="rate_limited"
        )
    connector = connector_class(connection)
    outgoing = outgoings_for([delivery])[delivery.pk]
    if delivery.needs_reconcile:
        settled = reconcile(delivery, worker, connector, outgoing)
        if settled is not None:
            return settled
    return _publish(delivery, worker, connector, outgoing)


def delivery_send(*, delivery_id: int, worker: str | None = None) -> str:
    """Claim the delivery and take it one step; the status it ends in, or "" when it was not
    ours to take (already claimed, no longer due, cancelled...)."""
    worker = worker or worker_name()
    taken = take([delivery_id], worker)
    if not taken:
        return ""
    [mine] = taken
    if mine.attempt is None:
        return work(mine.delivery, worker)
    return record(mine.delivery, worker, mine.attempt, call(mine))
