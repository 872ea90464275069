from django.urls import URLPattern, URLResolver, include, path

from essayons.connectors import views

app_name = "connectors"
urlpatterns: list[URLPattern | URLResolver] = [
    path("e/<uuid:business_id>/connexions/", views.connection_list, name="list"),
    path(
        "e/<uuid:business_id>/connexions/<int:connection_id>/deconnecter/",
        views.disconnect,
        name="disconnect",
    ),
    path(
        "e/<uuid:business_id>/connexions/<int:connection_id>/verifier/",
        views.verify,
        name="verify",
    ),
    path(
        "e/<uuid:business_id>/connexions/<slug:kind>/installation/",
        views.setup,
        name="setup",
    ),
    path("", include("essayons.connectors.facebook.urls")),
    path("", include("essayons.connectors.instagram.urls")),
    path("", include("essayons.connectors.google.urls")),
    path("", include("essayons.connectors.linkedin.urls")),
    path("", include("essayons.connectors.mastodon.urls")),
    path("", include("essayons.connectors.bluesky.urls")),
    path("", include("essayons.connectors.manual.urls")),
]
