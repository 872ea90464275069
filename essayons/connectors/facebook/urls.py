from __future__ import annotations

from essayons.connectors import flow
from essayons.connectors.facebook import views

urlpatterns = flow.oauth_urls(
    kind="facebook", connect=views.connect, callback=views.callback, choose=views.choose
)
