"""Live chat over websockets, tested with Channels' WebsocketCommunicator on the in-memory layer."""

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from notifications import chat
from notifications.models import ChatMessage, ChatPresence, ConversationRead, Notification
from notifications.routing import websocket_urlpatterns
from portal.people.models import ResidentMembership

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

app = URLRouter(websocket_urlpatterns)


@pytest.fixture
def conversation(world):
    return chat.open_conversation(world.resident, world.north.units[0], "Leaking pipe", "Water under the sink.")


async def connect(user, conversation_id):
    communicator = WebsocketCommunicator(app, f"/ws/chat/{conversation_id}/")
    if user is not None:
        communicator.scope["user"] = user
    connected, code = await communicator.connect()
    return communicator, connected, code


async def test_two_parties_exchange_messages_live_and_they_are_stored(world, conversation):
    resident, ok1, _ = await connect(world.resident, conversation.pk)
    keeper, ok2, _ = await connect(world.keeper, conversation.pk)
    assert ok1 and ok2

    await resident.send_json_to({"type": "message", "body": "Is someone coming today?"})
    to_keeper = await keeper.receive_json_from()
    to_resident = await resident.receive_json_from()

    assert to_keeper["type"] == "message" and to_keeper["body"] == "Is someone coming today?"
    assert to_keeper["author_id"] == world.resident.pk and to_resident["id"] == to_keeper["id"]
    await keeper.send_json_to({"type": "message", "body": "Yes, at 15:00."})
    assert (await resident.receive_json_from())["body"] == "Yes, at 15:00."
    assert (await keeper.receive_json_from())["body"] == "Yes, at 15:00."
    bodies = await database_sync_to_async(
        lambda: list(ChatMessage.objects.filter(conversation=conversation).values_list("body", flat=True))
    )()
    assert bodies == ["Water under the sink.", "Is someone coming today?", "Yes, at 15:00."]
    await resident.disconnect()
    await keeper.disconnect()
    assert await database_sync_to_async(ChatPresence.objects.count)() == 0


async def test_typing_reaches_the_other_side_only(world, conversation):
    resident, *_ = await connect(world.resident, conversation.pk)
    keeper, *_ = await connect(world.keeper, conversation.pk)

    await keeper.send_json_to({"type": "typing"})

    assert await resident.receive_json_from() == {"type": "typing", "user_id": world.keeper.pk, "name": "Fang Keeper"}
    assert await keeper.receive_nothing()
    await resident.disconnect()
    await keeper.disconnect()


async def test_a_read_receipt_tells_the_author_how_far_the_other_side_read(world, conversation):
    resident, *_ = await connect(world.resident, conversation.pk)
    keeper, *_ = await connect(world.keeper, conversation.pk)
    first = await database_sync_to_async(lambda: conversation.messages.first().pk)()

    await keeper.send_json_to({"type": "read", "message_id": first})

    assert await resident.receive_json_from() == {"type": "read", "user_id": world.keeper.pk, "message_id": first}
    row = await database_sync_to_async(ConversationRead.objects.get)(conversation=conversation, user=world.keeper)
    assert row.last_read_id == first
    await resident.disconnect()
    await keeper.disconnect()


@pytest.mark.parametrize("who", ["neighbour", "south_manager"])
async def test_a_neighbour_or_another_offices_staff_cannot_join(world, conversation, who):
    _communicator, connected, code = await connect(getattr(world, who), conversation.pk)
    assert not connected and code == 4403


async def test_a_websocket_without_a_session_is_closed(world, conversation):
    from django.contrib.auth.models import AnonymousUser

    _communicator, connected, code = await connect(AnonymousUser(), conversation.pk)
    assert not connected and code == 4401


async def test_the_full_asgi_stack_closes_a_socket_without_a_session_cookie(world, conversation):
    from portal.asgi import application

    communicator = WebsocketCommunicator(
        application,
        f"/ws/chat/{conversation.pk}/",
        headers=[(b"origin", b"http://testserver"), (b"host", b"testserver")],
    )
    connected, code = await communicator.connect()
    assert not connected


async def test_access_is_checked_again_on_every_event(world, conversation):
    resident, connected, _ = await connect(world.resident, conversation.pk)
    assert connected
    await database_sync_to_async(ResidentMembership.objects.filter(user=world.resident).delete)()  # moved out

    await resident.send_json_to({"type": "message", "body": "Still here?"})

    assert await resident.receive_json_from() == {"type": "error", "error": "forbidden"}
    assert (await resident.receive_output())["type"] == "websocket.close"
    assert not await database_sync_to_async(ChatMessage.objects.filter(body="Still here?").exists)()


async def test_a_message_over_4000_characters_is_refused_with_a_clear_error(world, conversation):
    resident, *_ = await connect(world.resident, conversation.pk)
    await resident.send_json_to({"type": "message", "body": "x" * 4001})
    reply = await resident.receive_json_from()
    assert reply["type"] == "error" and "at most 4000 characters" in reply["error"]
    await resident.disconnect()


async def test_an_offline_housekeeper_gets_a_notification_but_a_connected_one_does_not(world, conversation):
    count = database_sync_to_async(
        lambda: Notification.objects.filter(recipient=world.keeper, event="chat.message").count()
    )
    assert await count() == 1  # the opening message, while Fang was offline
    keeper, *_ = await connect(world.keeper, conversation.pk)
    resident, *_ = await connect(world.resident, conversation.pk)

    await resident.send_json_to({"type": "message", "body": "Hello?"})
    await keeper.receive_json_from()
    await resident.receive_json_from()

    assert await count() == 1
    await keeper.disconnect()
    await resident.send_json_to({"type": "message", "body": "Anyone?"})
    await resident.receive_json_from()
    assert await count() == 2
    await resident.disconnect()


async def test_the_notification_socket_pushes_the_unread_count(world):
    from notifications.services import notify

    communicator = WebsocketCommunicator(app, "/ws/notifications/")
    communicator.scope["user"] = world.resident
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_json_from() == {"type": "unread", "unread": 0}

    await database_sync_to_async(notify)([world.resident], "chat.assigned", {"subject": "x", "name": "y"})

    assert await communicator.receive_json_from() == {"type": "unread", "unread": 1}
    await communicator.disconnect()
