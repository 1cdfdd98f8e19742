"""Websocket routes; apps append their consumers here."""

from notifications.routing import websocket_urlpatterns as notifications_routes

websocket_urlpatterns: list = [*notifications_routes]
