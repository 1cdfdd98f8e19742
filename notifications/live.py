"""The one helper through which sync code pushes to websockets."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def conversation_group(conversation_id: int) -> str:
    return f"chat.{conversation_id}"


def push(group: str, payload: dict) -> None:
    """Send ``payload`` (with a ``type`` naming the consumer handler) to a group; never fails the caller."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, payload)
    except Exception:  # a push is a courtesy: the data is already stored
        logger.warning("Could not push to %s", group, exc_info=True)
