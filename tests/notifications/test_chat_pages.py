"""Chat on the site: a resident opens a conversation routed to the grid's housekeeper; staff answer from the inbox."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from notifications import chat
from notifications.models import ChatMessage, Conversation, ConversationEvent, Notification

pytestmark = pytest.mark.django_db


def png(name="leak.png"):
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def open_one(client, world, **extra):
    client.force_login(world.resident)
    data = {"unit": world.north.units[0].pk, "subject": "Leaking pipe", "body": "Water under the sink.", **extra}
    return client.post(reverse("chat:list"), data)


def test_a_resident_opens_a_conversation_routed_to_the_grid_housekeeper(client, world):
    response = open_one(client, world)

    conversation = Conversation.objects.get()
    assert response.status_code == 302 and response.url == reverse("chat:detail", args=[conversation.pk])
    assert (conversation.assignee, conversation.office, conversation.resident) == (
        world.keeper,
        world.north.office,
        world.resident,
    )
    assert ConversationEvent.objects.get().action == "opened"
    note = Notification.objects.get(recipient=world.keeper)
    assert note.event == "chat.message" and "Water under the sink." in note.body
    page = client.get(response.url).content.decode()
    assert "Water under the sink." in page and "With Fang Keeper" in page


def test_a_resident_cannot_open_a_conversation_about_someone_elses_unit(client, world):
    client.force_login(world.resident)
    response = client.post(reverse("chat:list"), {"unit": world.north.units[1].pk, "body": "hi"})
    assert response.status_code == 200 and not Conversation.objects.exists()


@pytest.mark.parametrize(
    "who,status", [("resident", 200), ("neighbour", 404), ("south_manager", 404), ("keeper", 200), ("desk", 200)]
)
def test_who_may_read_a_conversation(client, world, who, status):
    conversation = chat.open_conversation(world.resident, world.north.units[0], "Noise", "Drilling at night.")
    client.force_login(getattr(world, who))
    assert client.get(reverse("chat:detail", args=[conversation.pk])).status_code == status


def test_a_neighbour_cannot_post_into_a_conversation(client, world):
    conversation = chat.open_conversation(world.resident, world.north.units[0], "Noise", "Drilling at night.")
    client.force_login(world.neighbour)
    assert client.post(reverse("chat:detail", args=[conversation.pk]), {"body": "me too"}).status_code == 404
    assert ChatMessage.objects.count() == 1


def test_a_photo_is_attached_and_re_encoded(client, world):
    open_one(client, world, image=png())
    message = ChatMessage.objects.get()
    assert message.image.name.endswith(".jpg")


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_saved(client, world):
    fake = SimpleUploadedFile("virus.png", b"MZ not an image", content_type="image/png")
    response = open_one(client, world, image=fake)
    assert response.status_code == 200
    assert "is not a photo" in response.content.decode()
    assert not Conversation.objects.exists()


def test_an_oversized_photo_is_refused(client, world, monkeypatch):
    from portal.workorders import photos

    monkeypatch.setattr(photos, "MAX_BYTES", 10)
    response = open_one(client, world, image=png())
    assert "larger than 10 MB" in response.content.decode() and not Conversation.objects.exists()


def test_a_too_long_message_is_refused_on_the_page_and_the_draft_is_kept(client, world):
    conversation = chat.open_conversation(world.resident, world.north.units[0], "Noise", "Drilling at night.")
    client.force_login(world.resident)
    response = client.post(reverse("chat:detail", args=[conversation.pk]), {"body": "y" * 4001})
    page = response.content.decode()
    assert "at most 4000 characters; yours has 4001" in page and "y" * 4001 in page
    assert ChatMessage.objects.count() == 1


def test_the_staff_inbox_shows_unread_counts_and_filters(client, world):
    mine = chat.open_conversation(world.resident, world.north.units[0], "Noise", "Drilling at night.")
    chat.post_message(world.resident, mine, "Again tonight.")
    other = chat.open_conversation(world.neighbour, world.north.units[1], "Parking", "Someone is in my space.")
    chat.assign(world.manager, other, None)
    client.force_login(world.keeper)

    everything = client.get(reverse("chat:inbox")).content.decode()
    assert "Noise" in everything and "Parking" in everything
    rows = {c.subject: c.unread for c in chat.staff_inbox(world.keeper)}
    assert rows == {"Noise": 2, "Parking": 1}
    only_mine = client.get(reverse("chat:inbox") + "?show=mine").content.decode()
    assert "Noise" in only_mine and "Parking" not in only_mine
    unassigned = client.get(reverse("chat:inbox") + "?show=unassigned").content.decode()
    assert "Parking" in unassigned and "Noise" not in unassigned
    found = client.get(reverse("chat:inbox") + "?q=tonight").content.decode()
    assert "Noise" in found and "Parking" not in found

    client.get(reverse("chat:detail", args=[mine.pk]))  # reading clears the count
    assert {c.subject: c.unread for c in chat.staff_inbox(world.keeper)}["Noise"] == 0


def test_another_offices_staff_see_an_empty_inbox_and_residents_none(client, world):
    chat.open_conversation(world.resident, world.north.units[0], "Noise", "Drilling at night.")
    client.force_login(world.south_manager)
    assert "Noise" not in client.get(reverse("chat:inbox")).content.decode()
    client.force_login(world.resident)
    assert client.get(reverse("chat:inbox")).status_code == 404


def test_staff_transfer_a_conversation_and_the_new_assignee_is_told(client, world):
    conversation = chat.open_conversation(world.resident, world.north.units[0], "Noise", "Drilling at night.")
    client.force_login(world.keeper)
    client.post(reverse("chat:assign", args=[conversation.pk]), {"assignee": world.desk.pk})
    conversation.refresh_from_db()
    assert conversation.assignee == world.desk
    assert Notification.objects.filter(recipient=world.desk, event="chat.assigned").exists()
    assert list(conversation.events.values_list("action", flat=True)) == ["opened", "transferred"]

    client.post(reverse("chat:assign", args=[conversation.pk]), {"assignee": world.south_manager.pk})
    conversation.refresh_from_db()
    assert conversation.assignee == world.desk  # someone of another office is refused


def test_a_staff_reply_notifies_the_offline_resident(client, world):
    conversation = chat.open_conversation(world.resident, world.north.units[0], "Noise", "Drilling at night.")
    client.force_login(world.keeper)
    client.post(reverse("chat:detail", args=[conversation.pk]), {"body": "We will talk to them."})
    note = Notification.objects.get(recipient=world.resident)
    assert note.url == reverse("chat:detail", args=[conversation.pk]) and "We will talk to them." in note.body

    client.force_login(world.resident)
    client.get(note.url)  # reading the conversation marks its notifications read
    note.refresh_from_db()
    assert note.read_at is not None


def test_an_unread_chat_notification_escalates_to_sms(world, sms_outbox):
    from .test_centre import django_capture_on_commit

    conversation = chat.open_conversation(world.resident, world.north.units[0], "Noise", "Drilling at night.")
    note = Notification.objects.get(recipient=world.keeper)
    with django_capture_on_commit():
        chat.escalate_unread(note.pk)
    assert [m.to for m in sms_outbox] == ["+8613811110000"]
    chat.mark_read(world.keeper, conversation)
    assert chat.escalate_unread(note.pk) is None


def test_a_message_becomes_a_work_order_in_one_click(client, world):
    conversation = chat.open_conversation(world.resident, world.north.units[0], "Leak", "Water under the sink.")
    message = conversation.messages.get()
    client.force_login(world.keeper)
    url = reverse("chat:work_order", args=[conversation.pk, message.pk])

    client.post(url, {"category": "plumbing"})
    client.post(url, {"category": "plumbing"})

    message.refresh_from_db()
    order = message.work_order
    assert order is not None and order.unit == world.north.units[0] and order.channel == "chat"
    assert order.chat_messages.get() == message
    from portal.workorders.models import WorkOrder

    assert WorkOrder.objects.count() == 1
    client.force_login(world.neighbour)
    assert client.post(url, {"category": "plumbing"}).status_code == 404


def test_staff_close_and_a_resident_message_reopens(client, world):
    conversation = chat.open_conversation(world.resident, world.north.units[0], "Noise", "Drilling at night.")
    client.force_login(world.keeper)
    client.post(reverse("chat:status", args=[conversation.pk]), {"status": "closed"})
    conversation.refresh_from_db()
    assert conversation.status == "closed"
    chat.post_message(world.resident, conversation, "It started again.")
    conversation.refresh_from_db()
    assert conversation.status == "open"
