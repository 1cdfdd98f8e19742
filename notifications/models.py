from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.append_only import AppendOnlyModel
from portal.state_machine import TransitionsMixin


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One in-app notification for one user: the notification centre lists these."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    event = models.CharField(_("event"), max_length=80)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    context = models.JSONField(_("context"), default=dict, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self):
        return self.title


class Channel(models.TextChoices):
    INAPP = "inapp", _("On the site")
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message (SMS)")


class Preference(models.Model):
    """A user's choice for one event type and one channel (absent: the event's default)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    event = models.CharField(_("event"), max_length=80)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "event", "channel"], name="preference_one_per_event_channel")
        ]

    def __str__(self):
        return f"{self.user_id} {self.event} {self.channel}"


class QuietHours(models.Model):
    """When a user does not want text messages (local time); urgent notices ignore it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiet_hours", verbose_name=_("user")
    )
    enabled = models.BooleanField(_("quiet hours on"), default=True)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("quiet hours")
        verbose_name_plural = _("quiet hours")

    def __str__(self):
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


class Delivery(TransitionsMixin, models.Model):
    """One message on one channel (email or SMS) to one address, and what became of it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent")

    TRANSITIONS = {
        Status.QUEUED: {Status.SENT, Status.FAILED, Status.SKIPPED, Status.DELIVERED},
        # Twilio may report "delivered" or "undelivered" after "sent"; a late "sent" changes nothing.
        Status.SENT: {Status.DELIVERED, Status.FAILED},
        Status.DELIVERED: set(),
        Status.FAILED: set(),
        Status.SKIPPED: set(),
    }
    transition_refusal = _("A message cannot go from “%(old)s” to “%(new)s”.")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    event = models.CharField(_("event"), max_length=80, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("recipient"),
    )
    notification = models.ForeignKey(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    campaign = models.ForeignKey(
        "notifications.Campaign",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("campaign"),
    )
    to = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    provider_id = models.CharField(_("provider message id"), max_length=64, null=True, blank=True, unique=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["to", "channel", "created_at"], name="delivery_to_idx")]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.to}"


class DeliveryEvent(AppendOnlyModel):
    """History of a delivery: every status change and attempt, never edited."""

    append_only_refusal = "Delivery history cannot be edited or deleted."

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=10, choices=Delivery.Status.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.status} {self.note}"


class SmsOptOut(models.Model):
    """A number that answered STOP: no text messages until it answers START."""

    phone = models.CharField(_("phone number"), max_length=20, unique=True)
    created_at = models.DateTimeField(_("opted out at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SMS opt-out")
        verbose_name_plural = _("SMS opt-outs")

    def __str__(self):
        return self.phone


class SmsCounter(models.Model):
    """An atomic counter per key and window: employee monthly quota, per-number minute and day limits."""

    key = models.CharField(max_length=80)
    window = models.CharField(max_length=20)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="sms_counter_unique_window")]

    def __str__(self):
        return f"{self.key} {self.window}: {self.count}"


class Campaign(TransitionsMixin, models.Model):
    """A message sent by the office to many households at once."""

    class Kind(models.TextChoices):
        ANNOUNCEMENT = "announcement", _("Announcement to a community or building")
        FEE_NOTICE = "fee_notice", _("Fee notice to households with a new bill")
        ARREARS = "arrears", _("Arrears reminder")
        HOLIDAY = "holiday", _("Holiday greeting")
        BIRTHDAY = "birthday", _("Birthday greeting (every day, to residents whose birthday it is)")
        SURVEY = "survey", _("SMS satisfaction survey")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.DRAFT: {Status.SCHEDULED, Status.SENT, Status.CANCELLED},
        Status.SCHEDULED: {Status.SENT, Status.CANCELLED, Status.DRAFT},
        Status.SENT: set(),
        Status.CANCELLED: set(),
    }
    transition_refusal = _("A campaign cannot go from “%(old)s” to “%(new)s”.")

    office = models.ForeignKey(
        "properties.Office", on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("office")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ANNOUNCEMENT)
    title = models.CharField(_("title"), max_length=120)
    message = models.TextField(
        _("message"),
        help_text=_(
            "Sent as written; in greetings {name} becomes the resident's name. Keep text messages short "
            "(they are priced per segment)."
        ),
    )
    community = models.ForeignKey(
        "properties.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
        help_text=_("Empty: every community of the office."),
    )
    building = models.ForeignKey(
        "properties.Building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    overdue_days = models.PositiveIntegerField(
        _("overdue by more than (days)"), default=30, help_text=_("For arrears reminders only.")
    )
    new_bill_days = models.PositiveIntegerField(
        _("bills issued in the last (days)"), default=7, help_text=_("For fee notices only.")
    )
    by_sms = models.BooleanField(_("send by SMS"), default=False)
    by_email = models.BooleanField(_("send by email"), default=False)
    send_on = models.DateField(
        _("send on"), null=True, blank=True, help_text=_("Scheduled campaigns go out on this day (morning run).")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class SurveyAnswer(models.Model):
    """A reply by text message to a survey campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="answers", verbose_name=_("campaign"))
    phone = models.CharField(_("phone number"), max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resident"),
    )
    body = models.CharField(_("answer"), max_length=500)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        ordering = ["-received_at"]

    def __str__(self):
        return self.body


class Conversation(TransitionsMixin, models.Model):
    """A chat between a household and its office, routed to the grid's housekeeper."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    TRANSITIONS = {Status.OPEN: {Status.CLOSED}, Status.CLOSED: {Status.OPEN}}
    transition_refusal = _("A conversation cannot go from “%(old)s” to “%(new)s”.")

    office = models.ForeignKey(
        "properties.Office", on_delete=models.PROTECT, related_name="conversations", verbose_name=_("office")
    )
    unit = models.ForeignKey(
        "properties.Unit", on_delete=models.PROTECT, related_name="conversations", verbose_name=_("unit")
    )
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations", verbose_name=_("resident")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_conversations",
        verbose_name=_("assigned to"),
    )
    subject = models.CharField(_("subject"), max_length=120)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    last_message_at = models.DateTimeField(_("last message at"), null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_message_at", "-id"]

    def __str__(self):
        return self.subject


class ConversationEvent(AppendOnlyModel):
    """Who opened, assigned, transferred or closed a conversation, and when."""

    append_only_refusal = "Conversation history cannot be edited or deleted."

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return self.action


class ChatMessage(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", verbose_name=_("conversation")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("author")
    )
    body = models.TextField(_("message"), max_length=4000, blank=True)
    image = models.ImageField(_("image"), upload_to="chat/%Y/%m/", blank=True)
    thumbnail = models.ImageField(_("thumbnail"), upload_to="chat/%Y/%m/", blank=True)
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chat_messages",
        verbose_name=_("work order"),
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(body="", image=""), name="chat_message_has_text_or_image")
        ]

    def __str__(self):
        return self.body[:50]


class ConversationRead(models.Model):
    """How far one participant has read (read receipts and unread counts)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="conversation_read_unique")]

    def __str__(self):
        return f"{self.user_id} read {self.last_read_id}"


class ChatPresence(models.Model):
    """One open websocket of a user on a conversation; none means the user is offline there."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="presences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    connected_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.channel_name


class Greeting(models.Model):
    """A birthday greeting sent to one person in one year: at most one, whichever campaign sends it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="greetings")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "year"], name="greeting_one_birthday_per_year")]

    def __str__(self):
        return f"{self.user_id} {self.year}"
