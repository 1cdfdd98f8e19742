"""Chat photos: uploaded over HTTP (checked by content and size), live with a thumbnail, for participants only."""

import io

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from notifications import chat
from notifications.models import ChatMessage
from notifications.routing import websocket_urlpatterns

from .test_chat_redis import redis_layer  # noqa: F401 - the fixture


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def jpeg(name="leak.jpg", size=(1200, 900)):
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def conversation_of(world):
    return chat.open_conversation(world.resident, world.north.units[0], "Leaking pipe", "Water under the sink.")


@pytest.mark.django_db
def test_a_resident_uploads_a_photo_and_gets_the_message_with_a_thumbnail(client, world):
    conversation = conversation_of(world)
    client.force_login(world.resident)

    response = client.post(
        reverse("chat:upload_photo", args=[conversation.pk]), {"image": jpeg(), "body": "Here is the leak"}
    )

    assert response.status_code == 200
    message = ChatMessage.objects.get(pk=response.json()["id"])
    assert message.body == "Here is the leak" and message.author == world.resident
    with Image.open(message.thumbnail.open("rb")) as thumb:
        assert max(thumb.size) == chat.THUMBNAIL_SIDE
    with Image.open(message.image.open("rb")) as full:
        assert full.size == (1200, 900)
    payload = response.json()["message"]
    assert payload["image"] == reverse("chat:photo", args=[conversation.pk, message.pk])
    assert payload["thumbnail"] == reverse("chat:photo_thumb", args=[conversation.pk, message.pk])


@pytest.mark.django_db
def test_a_file_that_is_not_an_image_is_refused_by_its_content(client, world):
    conversation = conversation_of(world)
    client.force_login(world.resident)
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.7 not a photo at all", content_type="image/jpeg")

    response = client.post(reverse("chat:upload_photo", args=[conversation.pk]), {"image": fake, "body": "look"})

    assert response.status_code == 400 and "is not a photo" in response.json()["error"]
    assert ChatMessage.objects.filter(conversation=conversation).count() == 1


@pytest.mark.django_db
def test_a_photo_over_the_size_limit_is_refused(client, world, monkeypatch):
    from portal.workorders import photos

    monkeypatch.setattr(photos, "MAX_BYTES", 1000)
    conversation = conversation_of(world)
    client.force_login(world.resident)

    response = client.post(reverse("chat:upload_photo", args=[conversation.pk]), {"image": jpeg()})

    assert response.status_code == 400 and "larger than 10 MB" in response.json()["error"]
    assert not ChatMessage.objects.exclude(image="").exists()


@pytest.mark.django_db
def test_an_upload_without_a_file_or_to_someone_elses_conversation_is_refused(client, world):
    conversation = conversation_of(world)
    client.force_login(world.resident)
    assert client.post(reverse("chat:upload_photo", args=[conversation.pk]), {"body": "x"}).status_code == 400
    client.force_login(world.neighbour)
    assert client.post(reverse("chat:upload_photo", args=[conversation.pk]), {"image": jpeg()}).status_code == 404
    client.force_login(world.south_manager)
    assert client.post(reverse("chat:upload_photo", args=[conversation.pk]), {"image": jpeg()}).status_code == 404
    assert not ChatMessage.objects.exclude(image="").exists()


@pytest.mark.django_db
def test_only_participants_see_the_photo(client, world):
    conversation = conversation_of(world)
    message = chat.post_message(world.resident, conversation, "", image=jpeg())
    urls = [
        reverse("chat:photo", args=[conversation.pk, message.pk]),
        reverse("chat:photo_thumb", args=[conversation.pk, message.pk]),
    ]
    for user in (world.resident, world.keeper, world.desk):
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
            assert "private" in response["Cache-Control"]
    for user in (world.neighbour, world.south_manager):
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [404, 404]
    client.logout()
    assert client.get(urls[0]).status_code == 302  # to the login page
    other = chat.open_conversation(world.neighbour, world.north.units[1], "Noise", "Loud music")
    client.force_login(world.neighbour)
    wrong_pair = reverse("chat:photo", args=[other.pk, message.pk])  # a photo from another conversation
    assert client.get(wrong_pair).status_code == 404


@pytest.mark.django_db
def test_the_conversation_page_links_the_checked_photo_urls_not_the_media_path(client, world):
    conversation = conversation_of(world)
    message = chat.post_message(world.resident, conversation, "", image=jpeg())
    client.force_login(world.keeper)
    page = client.get(reverse("chat:detail", args=[conversation.pk])).content.decode()
    assert reverse("chat:photo_thumb", args=[conversation.pk, message.pk]) in page
    assert message.image.name not in page and "/media/" not in page


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_photo_uploaded_over_http_appears_live_for_the_other_side(world):
    conversation = await database_sync_to_async(conversation_of)(world)
    keeper = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/chat/{conversation.pk}/")
    keeper.scope["user"] = world.keeper
    assert (await keeper.connect())[0]

    def upload():
        client = Client()
        client.force_login(world.resident)
        return client.post(reverse("chat:upload_photo", args=[conversation.pk]), {"image": jpeg(), "body": "Leak"})

    response = await database_sync_to_async(upload)()
    assert response.status_code == 200

    live = await keeper.receive_json_from(timeout=5)
    message_id = response.json()["id"]
    assert live["type"] == "message" and live["id"] == message_id and live["body"] == "Leak"
    assert live["thumbnail"] == reverse("chat:photo_thumb", args=[conversation.pk, message_id])
    assert live["author_id"] == world.resident.pk
    await keeper.disconnect()


@pytest.mark.redis
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_layer")
async def test_a_photo_reaches_the_other_side_through_the_redis_layer(world):
    conversation = await database_sync_to_async(conversation_of)(world)
    keeper = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/chat/{conversation.pk}/")
    keeper.scope["user"] = world.keeper
    assert (await keeper.connect())[0]

    message = await database_sync_to_async(chat.post_message)(world.resident, conversation, "", image=jpeg())

    live = await keeper.receive_json_from(timeout=5)
    assert live["id"] == message.pk and live["body"] == ""
    assert live["image"] == reverse("chat:photo", args=[conversation.pk, message.pk])
    await keeper.disconnect()
