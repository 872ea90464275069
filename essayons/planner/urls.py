from django.urls import path

from essayons.planner.views import calendar, media, plan, posts

app_name = "planner"
P = "e/<uuid:business_id>/"
urlpatterns = [
    path(P + "plan/", plan.plan, name="plan"),
    path(P + "plan/temps/", plan.effort, name="effort"),
    path(P + "plan/validation/", plan.rules, name="rules"),
    path(P + "plan/preparer-ma-semaine/", plan.prepare_week, name="prepare_week"),
    path(P + "calendrier/", calendar.month, name="calendar"),
    path(P + "calendrier/semaine/", calendar.week, name="week"),
    path(P + "publications/nouvelle/", posts.post_new, name="post_new"),
    path(P + "publications/apercu/", media.preview, name="preview"),
    path(P + "publications/<int:post_id>/", posts.post_detail, name="post"),
    path(P + "publications/<int:post_id>/modifier/", posts.post_edit, name="post_edit"),
    path(P + "publications/<int:post_id>/deplacer/", posts.post_move_view, name="post_move"),
    path(
        P + "publications/<int:post_id>/dupliquer/",
        posts.post_duplicate_view,
        name="post_duplicate",
    ),
    path(P + "publications/<int:post_id>/supprimer/", posts.post_delete_view, name="post_delete"),
    path(P + "publications/<int:post_id>/restaurer/", posts.post_restore_view, name="post_restore"),
    path(P + "publications/<int:post_id>/decision/", posts.post_review_view, name="post_review"),
    path(P + "images/<int:image_id>/", media.image, name="image"),
]
