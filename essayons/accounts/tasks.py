"""Background work of the accounts app: e-mails leave through the task worker, never inline."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django_tasks import task


@task()
def email_send(*, to: list[str], subject: str, body: str, html: str = "") -> int:
    """Send one e-mail; returns the number sent (the worker retries nothing: SMTP errors are logged)."""
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()
