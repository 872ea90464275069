from __future__ import annotations

from essayons.connectors import flow
from essayons.connectors.google import views

urlpatterns = flow.oauth_urls(
    kind="google", connect=views.connect, callback=views.callback, choose=views.choose
)
