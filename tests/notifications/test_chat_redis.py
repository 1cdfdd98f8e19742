"""The chat over the Redis channel layer (REDIS_URL set), as in production."""

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from notifications import chat
from notifications.routing import websocket_urlpatterns

pytestmark = [pytest.mark.redis, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_layer(settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [settings.REDIS_URL], "prefix": "linli-test-notifications"},
        }
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


async def test_two_parties_chat_through_redis(world, redis_layer):
    from channels.db import database_sync_to_async

    conversation = await database_sync_to_async(chat.open_conversation)(
        world.resident, world.north.units[0], "Leak", "Water under the sink."
    )
    app = URLRouter(websocket_urlpatterns)
    sockets = []
    for user in (world.resident, world.keeper):
        communicator = WebsocketCommunicator(app, f"/ws/chat/{conversation.pk}/")
        communicator.scope["user"] = user
        assert (await communicator.connect())[0]
        sockets.append(communicator)
    resident, keeper = sockets

    await resident.send_json_to({"type": "message", "body": "Through Redis"})

    assert (await keeper.receive_json_from(timeout=5))["body"] == "Through Redis"
    await resident.disconnect()
    await keeper.disconnect()
