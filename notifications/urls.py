from django.urls import include, path

from . import chat_views, views

notification_patterns = [
    path("", views.centre, name="centre"),
    path("<int:pk>/read/", views.read, name="read"),
    path("read-all/", views.read_all, name="read_all"),
    path("settings/", views.preferences, name="preferences"),
    path("twilio/status/", views.twilio_status, name="twilio_status"),
    path("twilio/inbound/", views.twilio_inbound, name="twilio_inbound"),
]

chat_patterns = [
    path("", chat_views.conversation_list, name="list"),
    path("inbox/", chat_views.inbox, name="inbox"),
    path("search/", chat_views.search, name="search"),
    path("<int:pk>/", chat_views.detail, name="detail"),
    path("<int:pk>/assign/", chat_views.assign, name="assign"),
    path("<int:pk>/status/", chat_views.set_status, name="status"),
    path("<int:pk>/messages/<int:message_id>/work-order/", chat_views.work_order, name="work_order"),
    path("<int:pk>/photo/", chat_views.upload_photo, name="upload_photo"),
    path("<int:pk>/photos/<int:message_id>/", chat_views.photo, name="photo"),
    path("<int:pk>/photos/<int:message_id>/thumb/", chat_views.photo_thumb, name="photo_thumb"),
]

urlpatterns = [
    path("notifications/", include((notification_patterns, "notifications"))),
    path("chat/", include((chat_patterns, "chat"))),
]
