from __future__ import annotations

from essayons.connectors import flow
from essayons.connectors.linkedin import views

urlpatterns = flow.oauth_urls(
    kind="linkedin", connect=views.connect, callback=views.callback, choose=views.choose
)
