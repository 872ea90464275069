from django.urls import path

from essayons.diagnostic import views

app_name = "diagnostic"
urlpatterns = [
    path("glossaire/", views.glossary, name="glossary"),
    path("e/<uuid:business_id>/etat-des-lieux/", views.report, name="report"),
]
