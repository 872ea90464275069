"""Background work for ad spend: the Meta Insights sync (tasks take ids, load, call a service)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from essayons.lib.crypto import SecretUnreadable
from essayons.tracking.ads_meta import MetaSyncError, ads_meta_sync
from essayons.tracking.models import MetaAdAccount


@task()
def ads_meta_sync_task(account_id: int) -> str:
    """Sync one ad account; failures are recorded on it for the owner, never raised to the worker."""
    account = MetaAdAccount.objects.select_related("business").get(pk=account_id)
    # Messages kept for the owner are written in the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        try:
            summary = ads_meta_sync(account=account)
        except MetaSyncError as error:
            return f"failed: {'transient' if error.transient else 'permanent'}"
        except SecretUnreadable:
            MetaAdAccount.objects.filter(pk=account_id).update(
                last_error=_("The stored access token cannot be read any more: save it again.")
            )
            return "failed: token unreadable"
    return f"ok: {summary.created} new, {summary.updated} updated"
