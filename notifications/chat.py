"""Chat between a household and its office: every state change of a conversation goes through here.

A resident opens a conversation about one of their units; it is routed to the unit's grid
housekeeper and visible to the office's front desk and manager. Who may read or write is
decided by ``may_access`` (used by views and, on every event, by the websocket consumer).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import access
from portal.people.models import StaffRole

from . import live
from .models import (
    ChatMessage,
    ChatPresence,
    Conversation,
    ConversationEvent,
    ConversationRead,
    Delivery,
    DeliveryEvent,
    Notification,
)
from .services import enqueue, notify

MAX_LENGTH = 4000
OFFICE_ROLES = (StaffRole.FRONT_DESK, StaffRole.HOUSEKEEPER, StaffRole.OFFICE_MANAGER)


# --- access ----------------------------------------------------------------------------------------


def is_office_staff(user, office_id: int) -> bool:
    return access.may_act_in_office(user, OFFICE_ROLES, office_id)


def may_access(user, conversation: Conversation) -> bool:
    """The resident who opened it (while still living there), or staff of its office."""
    if not getattr(user, "is_authenticated", False):
        return False
    if conversation.resident_id == user.pk and access.resident_units(user).filter(pk=conversation.unit_id).exists():
        return True
    return is_office_staff(user, conversation.office_id)


def get_for_user_or_404(user, pk) -> Conversation:
    from django.http import Http404

    try:
        conversation = Conversation.objects.select_related(
            "unit__building__community", "unit__grid", "office", "resident", "assignee"
        ).get(pk=pk)
    except (Conversation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not may_access(user, conversation):
        raise Http404
    return conversation


def resident_conversations(user):
    return Conversation.objects.filter(resident=user, unit__in=access.resident_units(user)).select_related(
        "unit__building", "assignee"
    )


def staff_inbox(user, show: str = "all", grid_id: int | None = None, q: str = ""):
    """The conversations of the user's offices, with the count of messages they have not read."""
    office_ids = access.office_ids_with_role(user, OFFICE_ROLES)
    conversations = Conversation.objects.all()
    if office_ids is not None:
        conversations = conversations.filter(office_id__in=office_ids)
    if show == "mine":
        conversations = conversations.filter(assignee=user)
    elif show == "unassigned":
        conversations = conversations.filter(assignee__isnull=True)
    elif show == "closed":
        conversations = conversations.filter(status=Conversation.Status.CLOSED)
    if show != "closed":
        conversations = conversations.filter(status=Conversation.Status.OPEN)
    if grid_id:
        conversations = conversations.filter(unit__grid_id=grid_id)
    if q:
        conversations = conversations.filter(
            Q(subject__icontains=q) | Q(messages__body__icontains=q) | Q(resident__full_name__icontains=q)
        ).distinct()
    return with_unread(conversations, user).select_related(
        "unit__building__community", "unit__grid", "resident", "assignee"
    )


SEARCH_MAX_LENGTH = 100
SEARCH_SHOWN = 50


def searchable_conversations(user):
    """Whose history the user may search: their own conversations, and their offices' as staff."""
    mine = Q(resident=user, unit__in=access.resident_units(user))
    office_ids = access.office_ids_with_role(user, OFFICE_ROLES)
    if office_ids is None:
        return Conversation.objects.all()
    return Conversation.objects.filter(mine | Q(office_id__in=office_ids))


def search_messages(user, q: str):
    """Messages matching ``q`` (text, case-insensitive) in the conversations the user may search, newest first."""
    q = (q or "").strip()[:SEARCH_MAX_LENGTH]
    if not q:
        return ChatMessage.objects.none()
    return (
        ChatMessage.objects.filter(conversation__in=searchable_conversations(user), body__icontains=q)
        .select_related("conversation__unit__building", "author")
        .order_by("-id")
    )


def with_unread(conversations, user):
    last_read = ConversationRead.objects.filter(conversation=OuterRef("pk"), user=user).values("last_read_id")[:1]
    return conversations.annotate(my_last_read=Coalesce(Subquery(last_read), 0)).annotate(
        unread=Count(
            "messages",
            filter=Q(messages__id__gt=F("my_last_read")) & ~Q(messages__author=user),
            distinct=True,
        )
    )


# --- changes ---------------------------------------------------------------------------------------


def _event(conversation, action, actor, assignee=None):
    ConversationEvent.objects.create(conversation=conversation, action=action, actor=actor, assignee=assignee)


def check_body(body: str) -> str:
    body = (body or "").strip()
    if len(body) > MAX_LENGTH:
        raise ValidationError(
            _("A message can be at most %(max)d characters; yours has %(length)d.")
            % {"max": MAX_LENGTH, "length": len(body)},
            code="too_long",
        )
    return body


THUMBNAIL_SIDE = 320


def _image_files(image):
    """The checked photo re-encoded (no metadata), and its thumbnail; (None, None) without a photo."""
    if image is None:
        return None, None
    from portal.workorders.photos import check_photos, reencode

    check_photos([image])
    content, _w, _h = reencode(image)
    return content, _thumbnail(content)


def _thumbnail(content):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    content.seek(0)
    with Image.open(content) as image:
        image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=80, optimize=True)
    content.seek(0)
    return ContentFile(out.getvalue(), name=content.name.replace(".jpg", "-thumb.jpg"))


def photo_url(message: ChatMessage, thumbnail: bool = False) -> str:
    """Where participants see a chat photo: a checked view, never the media path."""
    if not message.image:
        return ""
    name = "chat:photo_thumb" if thumbnail else "chat:photo"
    return reverse(name, args=[message.conversation_id, message.pk])


@transaction.atomic
def open_conversation(user, unit, subject: str, body: str, image=None) -> Conversation:
    if not access.resident_units(user).filter(pk=unit.pk).exists():
        raise PermissionDenied
    subject = (subject or "").strip()[:120] or _("Question from %(unit)s") % {"unit": str(unit)}
    body = check_body(body)
    if not body and image is None:
        raise ValidationError(_("Write a message or attach a photo."), code="empty")
    office = unit.building.community.office
    housekeeper = unit.grid.housekeeper if unit.grid_id else None
    conversation = Conversation.objects.create(
        office=office, unit=unit, resident=user, assignee=housekeeper, subject=subject
    )
    _event(conversation, "opened", user, housekeeper)
    post_message(user, conversation, body, image=image)
    return conversation


def _recipients(conversation: Conversation, author) -> list:
    """Who should hear about a new message: the other side."""
    if author.pk == conversation.resident_id:
        if conversation.assignee_id:
            return [conversation.assignee]
        return access_front_desk(conversation.office_id)
    return [conversation.resident]


def access_front_desk(office_id: int) -> list:
    from portal.people.models import StaffMembership

    return [
        m.user
        for m in StaffMembership.objects.active()
        .filter(office_id=office_id, role=StaffRole.FRONT_DESK)
        .select_related("user")
    ]


def message_payload(message: ChatMessage) -> dict:
    return {
        "type": "chat.message",
        "id": message.pk,
        "author_id": message.author_id,
        "author": str(message.author) if message.author else "",
        "body": message.body,
        "image": photo_url(message),
        "thumbnail": photo_url(message, thumbnail=True),
        "at": timezone.localtime(message.created_at).strftime("%H:%M"),
    }


@transaction.atomic
def post_message(user, conversation: Conversation, body: str, image=None) -> ChatMessage:
    """Store a message, show it live to whoever is connected, and notify the other side if offline."""
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if not may_access(user, conversation):
        raise PermissionDenied
    body = check_body(body)
    content, thumbnail = _image_files(image)
    if not body and content is None:
        raise ValidationError(_("Write a message or attach a photo."), code="empty")
    message = ChatMessage(conversation=conversation, author=user, body=body)
    if content is not None:
        message.image.save(content.name, content, save=False)
        message.thumbnail.save(thumbnail.name, thumbnail, save=False)
    message.save()
    conversation.last_message_at = message.created_at
    fields = ["last_message_at"]
    if conversation.status == Conversation.Status.CLOSED and user.pk == conversation.resident_id:
        conversation.check_transition(Conversation.Status.OPEN)
        conversation.status = Conversation.Status.OPEN
        fields.append("status")
        _event(conversation, "reopened", user)
    conversation.save(update_fields=fields)
    _read_up_to(user, conversation, message.pk)

    payload = message_payload(message)
    transaction.on_commit(lambda: live.push(live.conversation_group(conversation.pk), payload))
    online = set(ChatPresence.objects.filter(conversation=conversation).values_list("user_id", flat=True))
    offline = [u for u in _recipients(conversation, user) if u and u.pk not in online and u.pk != user.pk]
    if offline:
        url = reverse("chat:detail", args=[conversation.pk])
        made = notify(
            offline,
            "chat.message",
            {"name": str(user), "subject": conversation.subject, "text": (body or _("(photo)"))[:140]},
            url=url,
        )
        _schedule_escalation([n.pk for n in made])
    return message


def _schedule_escalation(notification_ids: list[int]) -> None:
    """After ``CHAT_SMS_AFTER_MINUTES``, a still-unread chat notification also goes by SMS."""
    from portal.celery import app

    from .tasks import escalate_unread_chat

    if not notification_ids or app.conf.task_always_eager:
        return  # eager (tests, development without Redis): a countdown would fire at once
    delay = settings.CHAT_SMS_AFTER_MINUTES * 60

    def schedule():
        for pk in notification_ids:
            escalate_unread_chat.apply_async((pk,), countdown=delay)

    transaction.on_commit(schedule)


def escalate_unread(notification_id: int) -> Delivery | None:
    """Send a chat notification by SMS if it is still unread and the recipient has a phone."""
    from . import sms as sms_rules

    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or notification.read_at is not None or not notification.recipient.phone:
        return None
    text = sms_rules.fit(f"{notification.title}: {notification.body}")
    delivery = Delivery.objects.create(
        channel="sms",
        event=notification.event,
        recipient=notification.recipient,
        notification=notification,
        to=notification.recipient.phone,
        body=text,
    )
    DeliveryEvent.objects.create(delivery=delivery, status=delivery.status, note="chat unread")
    enqueue([delivery.pk])
    return delivery


def _read_up_to(user, conversation, message_id: int) -> None:
    row, _created = ConversationRead.objects.get_or_create(conversation=conversation, user=user)
    ConversationRead.objects.filter(pk=row.pk, last_read_id__lt=message_id).update(last_read_id=message_id)


@transaction.atomic
def mark_read(user, conversation: Conversation, message_id: int | None = None) -> int:
    """The user has read up to ``message_id`` (default: the latest); tells the other side (read receipt)."""
    if not may_access(user, conversation):
        raise PermissionDenied
    last = conversation.messages.order_by("-id").values_list("id", flat=True).first() or 0
    message_id = min(message_id or last, last)
    _read_up_to(user, conversation, message_id)
    Notification.objects.filter(
        recipient=user, event="chat.message", url=reverse("chat:detail", args=[conversation.pk]), read_at__isnull=True
    ).update(read_at=timezone.now())
    payload = {"type": "chat.read", "user_id": user.pk, "message_id": message_id}
    transaction.on_commit(lambda: live.push(live.conversation_group(conversation.pk), payload))
    return message_id


def read_by_other_side(conversation: Conversation, user) -> int:
    """The last message id someone on the other side has read (for "read" marks)."""
    reads = ConversationRead.objects.filter(conversation=conversation).exclude(user=user)
    if user.pk != conversation.resident_id:
        reads = reads.filter(user_id=conversation.resident_id)
    else:
        reads = reads.exclude(user_id=conversation.resident_id)
    return max(reads.values_list("last_read_id", flat=True), default=0)


@transaction.atomic
def assign(staff, conversation: Conversation, assignee) -> Conversation:
    """Assign (or transfer) the conversation to a colleague of the same office."""
    if not is_office_staff(staff, conversation.office_id):
        raise PermissionDenied
    if assignee is not None and not is_office_staff(assignee, conversation.office_id):
        raise ValidationError(_("Choose someone who works in this office."), code="assignee")
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    action = "assigned" if conversation.assignee_id is None else "transferred"
    conversation.assignee = assignee
    conversation.save(update_fields=["assignee"])
    _event(conversation, action, staff, assignee)
    if assignee is not None and assignee.pk != staff.pk:
        notify(
            [assignee],
            "chat.assigned",
            {"subject": conversation.subject, "name": str(staff)},
            url=reverse("chat:detail", args=[conversation.pk]),
        )
    return conversation


@transaction.atomic
def set_status(staff, conversation: Conversation, status: str) -> Conversation:
    if not is_office_staff(staff, conversation.office_id):
        raise PermissionDenied
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    conversation.check_transition(status)
    conversation.status = status
    conversation.save(update_fields=["status"])
    _event(conversation, "closed" if status == Conversation.Status.CLOSED else "reopened", staff)
    return conversation


def office_colleagues(office_id: int) -> list:
    from portal.people.models import StaffMembership

    rows = StaffMembership.objects.active().filter(office_id=office_id, role__in=OFFICE_ROLES).select_related("user")
    return sorted({m.user for m in rows}, key=str)


def resident_context(conversation: Conversation) -> dict:
    """What staff see beside a conversation: the unit, its balance, its open work orders."""
    info = {"unit": conversation.unit, "balance": None, "open_orders": []}
    try:
        from commerce.ledger.services import household_balance

        info["balance"] = household_balance(conversation.unit)
    except Exception:  # noqa: BLE001 - the ledger may not know the unit yet
        info["balance"] = None
    try:
        from portal.workorders.models import WorkOrder

        info["open_orders"] = list(
            WorkOrder.objects.filter(unit=conversation.unit)
            .exclude(status__in=["closed", "cancelled"])
            .order_by("-pk")[:5]
        )
    except Exception:  # noqa: BLE001
        info["open_orders"] = []
    return info


CANNED_REPLIES = (
    gettext_lazy("Thank you, we have received your message and will reply shortly."),
    gettext_lazy("A technician will contact you today to arrange a visit."),
    gettext_lazy("Your request has been recorded as a work order; you can follow it under Repairs."),
    gettext_lazy("The bill can be paid online under My bills, or at the front desk."),
)


@transaction.atomic
def make_work_order(staff, message: ChatMessage, category: str):
    """Turn a resident's message into a work order (one click), linking both; a second click reuses it."""
    from portal.workorders.models import WorkOrder
    from portal.workorders.services import file_request

    conversation = message.conversation
    if not is_office_staff(staff, conversation.office_id):
        raise PermissionDenied
    message = ChatMessage.objects.select_for_update().get(pk=message.pk)
    if message.work_order_id:
        return message.work_order
    order = file_request(
        by=staff,
        unit=conversation.unit,
        kind=WorkOrder.Kind.REPAIR,
        category=category,
        description=message.body or conversation.subject,
        channel=WorkOrder.Channel.CHAT,
        office=conversation.office,
    )
    message.work_order = order
    message.save(update_fields=["work_order"])
    _event(conversation, "work_order", staff)
    return order
