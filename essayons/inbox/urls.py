from django.urls import URLPattern, URLResolver, path

from essayons.inbox import views, webhooks

app_name = "inbox"

M = "e/<uuid:business_id>/messages/"

urlpatterns: list[URLPattern | URLResolver] = [
    path(M, views.inbox_list, name="list"),
    path(M + "au-comptoir/", views.counter_new, name="counter"),
    path(M + "delais/", views.targets, name="targets"),
    path(M + "<int:message_id>/", views.conversation, name="conversation"),
    path(M + "<int:message_id>/etiquette/", views.label_correct, name="label"),
    path(M + "<int:message_id>/reponse/", views.reply, name="reply"),
    path(M + "<int:message_id>/repondu/", views.mark_answered, name="answered"),
    path(
        M + "<int:message_id>/reponse/<int:reply_id>/verifier/",
        views.reply_check,
        name="reply_check",
    ),
    path("e/<uuid:business_id>/ambassadeurs/", views.ambassadors, name="ambassadors"),
    path("webhooks/facebook/page/", webhooks.facebook_page, name="facebook_webhook"),
]
