"""Writes of the inbox: messages arriving and sorted, replies sent once, networks polled."""

from essayons.inbox.services.messages import (
    Incoming,
    corrections_for,
    counter_message_create,
    is_offline,
    label_correct,
    message_mark_answered,
    message_receive,
    message_triage,
    messages_untriaged_requeue,
    overdue_alert_send,
    target_times_save,
)
from essayons.inbox.services.polling import (
    connection_poll,
    poll_batch_store,
    poll_cursor_read,
    polls_due,
)
from essayons.inbox.services.replies import (
    replies_unknown_due,
    reply_confirm,
    reply_draft_save,
    reply_press_send,
    reply_reconcile,
    reply_retry,
    reply_send,
)

__all__ = [
    "Incoming",
    "connection_poll",
    "corrections_for",
    "counter_message_create",
    "is_offline",
    "label_correct",
    "message_mark_answered",
    "message_receive",
    "message_triage",
    "messages_untriaged_requeue",
    "overdue_alert_send",
    "poll_batch_store",
    "poll_cursor_read",
    "polls_due",
    "replies_unknown_due",
    "reply_confirm",
    "reply_draft_save",
    "reply_press_send",
    "reply_reconcile",
    "reply_retry",
    "reply_send",
    "target_times_save",
]
