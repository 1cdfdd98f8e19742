"""Websocket consumers: authenticated in ``connect``, access re-checked on every event."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import PermissionDenied, ValidationError

from . import chat, live, services
from .models import ChatPresence, Conversation

NOT_LOGGED_IN = 4401
FORBIDDEN = 4403


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """``ws/notifications/``: the user's unread count, pushed when it changes."""

    async def connect(self):
        user = self.scope.get("user")
        if not getattr(user, "is_authenticated", False):
            await self.close(code=NOT_LOGGED_IN)
            return
        self.group = live.user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        unread = await database_sync_to_async(services.unread_count_for)(user.pk)
        await self.send_json({"type": "unread", "unread": unread})

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        pass  # nothing to ask

    async def notification_unread(self, event):
        await self.send_json({"type": "unread", "unread": event["unread"]})


class ChatConsumer(AsyncJsonWebsocketConsumer):
    """``ws/chat/<id>/``: messages, typing and read receipts of one conversation.

    Client → server: {"type": "message", "body": "..."}, {"type": "typing"}, {"type": "read", "message_id": n}.
    Server → client: {"type": "message", ...}, {"type": "typing", "user_id", "name"}, {"type": "read", ...},
    {"type": "error", "error": "..."}.
    """

    async def connect(self):
        self.user = self.scope.get("user")
        self.conversation_id = self.scope["url_route"]["kwargs"]["pk"]
        if not getattr(self.user, "is_authenticated", False):
            await self.close(code=NOT_LOGGED_IN)
            return
        if not await self._allowed():
            await self.close(code=FORBIDDEN)
            return
        self.group = live.conversation_group(self.conversation_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await database_sync_to_async(self._present)()

    def _present(self):
        ChatPresence.objects.get_or_create(
            channel_name=self.channel_name, defaults={"conversation_id": self.conversation_id, "user": self.user}
        )

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await database_sync_to_async(ChatPresence.objects.filter(channel_name=self.channel_name).delete)()

    @database_sync_to_async
    def _conversation(self):
        conversation = Conversation.objects.filter(pk=self.conversation_id).first()
        if conversation is None or not chat.may_access(self.user, conversation):
            return None
        return conversation

    async def _allowed(self) -> bool:
        # A fresh user object each time: roles and memberships cached on it must not outlive a change.
        from django.contrib.auth import get_user_model

        self.user = await database_sync_to_async(get_user_model().objects.get)(pk=self.user.pk)
        return await self._conversation() is not None

    async def receive_json(self, content, **kwargs):
        if not await self._allowed():
            await self.send_json({"type": "error", "error": "forbidden"})
            await self.close(code=FORBIDDEN)
            return
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "message":
            await self._message(content)
        elif kind == "typing":
            await self.channel_layer.group_send(
                self.group,
                {"type": "chat.typing", "user_id": self.user.pk, "name": str(self.user), "sender": self.channel_name},
            )
        elif kind == "read":
            await self._read(content)
        else:
            await self.send_json({"type": "error", "error": "unknown event"})

    async def _message(self, content):
        body = content.get("body")
        if not isinstance(body, str):
            await self.send_json({"type": "error", "error": "a message needs a body"})
            return
        try:
            conversation = await self._conversation()
            await database_sync_to_async(chat.post_message)(self.user, conversation, body)
        except ValidationError as exc:
            await self.send_json({"type": "error", "error": " ".join(exc.messages)})
        except PermissionDenied:
            await self.send_json({"type": "error", "error": "forbidden"})

    async def _read(self, content):
        message_id = content.get("message_id")
        if message_id is not None and not isinstance(message_id, int):
            await self.send_json({"type": "error", "error": "message_id must be a number"})
            return
        conversation = await self._conversation()
        await database_sync_to_async(chat.mark_read)(self.user, conversation, message_id)

    # group events → this socket
    async def chat_message(self, event):
        await self.send_json({**event, "type": "message"})

    async def chat_typing(self, event):
        if event.get("sender") != self.channel_name:
            await self.send_json({"type": "typing", "user_id": event["user_id"], "name": event["name"]})

    async def chat_read(self, event):
        await self.send_json({"type": "read", "user_id": event["user_id"], "message_id": event["message_id"]})
