from django.urls import path

from essayons.connectors.manual import views

urlpatterns = [
    path("e/<uuid:business_id>/a-la-main/<int:delivery_id>/", views.handover, name="manual"),
]
