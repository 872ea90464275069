from __future__ import annotations

from essayons.connectors import flow
from essayons.connectors.instagram import views

urlpatterns = flow.oauth_urls(
    kind="instagram", connect=views.connect, callback=views.callback, choose=views.choose
)
