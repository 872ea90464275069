from django.urls import path

from essayons.diagnostic import views

app_name = "diagnostic"
urlpatterns = [
    path("glossaire/", views.glossary, name="glossary"),
    path("etat-des-lieux/regles/", views.rules, name="rules"),
    path("e/<uuid:business_id>/etat-des-lieux/", views.report, name="report"),
    path(
        "e/<uuid:business_id>/etat-des-lieux/<int:run_id>/",
        views.run_report,
        name="run_report",
    ),
    path(
        "e/<uuid:business_id>/etat-des-lieux/questionnaire/",
        views.questionnaire,
        name="questionnaire",
    ),
    path("e/<uuid:business_id>/etat-des-lieux/commencer/", views.start, name="start"),
    path(
        "e/<uuid:business_id>/etat-des-lieux/questionnaire/<int:run_id>/<slug:slug>/",
        views.screen,
        name="screen",
    ),
]
