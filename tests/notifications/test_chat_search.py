"""Searching the chat history: residents their own conversations, staff their offices' conversations."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import chat
from portal.people.models import ResidentMembership
from tests.factories import ResidentMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def talks(world):
    mine = chat.open_conversation(world.resident, world.north.units[0], "Leaking pipe", "Water under the sink.")
    chat.post_message(world.keeper, mine, "The plumber comes at 15:00 about the WATER leak.")
    theirs = chat.open_conversation(world.neighbour, world.north.units[1], "Noise", "Water drips from upstairs.")
    south_resident = ResidentMembershipFactory(unit=world.south.units[0]).user
    south = chat.open_conversation(south_resident, world.south.units[0], "Gate", "The water meter is broken.")
    return mine, theirs, south


def bodies(user, q):
    return sorted(m.body for m in chat.search_messages(user, q))


def test_a_resident_finds_words_in_their_own_conversations_only(world, talks):
    assert bodies(world.resident, "water") == [
        "The plumber comes at 15:00 about the WATER leak.",
        "Water under the sink.",
    ]
    assert bodies(world.neighbour, "water") == ["Water drips from upstairs."]


def test_staff_search_their_offices_conversations(world, talks):
    north = bodies(world.desk, "water")
    assert len(north) == 3 and "The water meter is broken." not in north
    assert bodies(world.keeper, "water") == north
    assert bodies(world.south_manager, "water") == ["The water meter is broken."]


def test_a_resident_who_moved_out_no_longer_searches_that_home(world, talks):
    ResidentMembership.objects.filter(user=world.resident).update(
        end_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert bodies(world.resident, "water") == []


def test_the_search_page_shows_matches_with_a_link_to_the_message(client, world, talks):
    mine = talks[0]
    client.force_login(world.resident)

    page = client.get(reverse("chat:search"), {"q": "plumber"}).content.decode()

    message = mine.messages.get(body__contains="plumber")
    assert f"{reverse('chat:detail', args=[mine.pk])}#m{message.pk}" in page
    assert "<mark>plumber</mark>" in page and "Noise" not in page


def test_the_search_page_without_words_or_without_matches(client, world, talks):
    client.force_login(world.neighbour)
    assert client.get(reverse("chat:search")).status_code == 200
    page = client.get(reverse("chat:search"), {"q": "plumber"}).content.decode()
    assert "No message contains “plumber”." in page


def test_the_search_text_is_escaped(client, world, talks):
    client.force_login(world.resident)
    page = client.get(reverse("chat:search"), {"q": "<script>x"}).content.decode()
    assert "<script>x" not in page and "&lt;script&gt;x" in page
