"""Chat pages: a resident's conversations with the office, the staff inbox, one conversation."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal import access, uploads
from portal.workorders.photos import MAX_BYTES as MAX_PHOTO_BYTES

from . import chat
from .models import ChatMessage

INBOX_SHOWN = 100
MESSAGES_SHOWN = 200


class NewConversationForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, label=gettext_lazy("About"), empty_label=None)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=120, required=False)
    body = forms.CharField(label=gettext_lazy("Message"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    image = forms.FileField(
        label=gettext_lazy("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = access.resident_units(user)


@login_required
def conversation_list(request):
    units = access.resident_units(request.user)
    if not units.exists():
        if access.is_staff_member(request.user):
            return redirect("chat:inbox")
        raise Http404
    form = NewConversationForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            conversation = chat.open_conversation(
                request.user,
                form.cleaned_data["unit"],
                form.cleaned_data["subject"],
                form.cleaned_data["body"],
                image=form.cleaned_data["image"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your message is with the office."))
            return redirect("chat:detail", conversation.pk)
    conversations = chat.with_unread(chat.resident_conversations(request.user), request.user)
    return render(request, "notifications/chat/list.html", {"form": form, "conversations": conversations})


@login_required
def inbox(request):
    if not access.office_ids_with_role(request.user, chat.OFFICE_ROLES) and not request.user.is_superuser:
        raise Http404
    show = request.GET.get("show", "all")
    if show not in {"all", "mine", "unassigned", "closed"}:
        show = "all"
    try:
        grid_id = int(request.GET.get("grid") or 0)
    except ValueError:
        grid_id = 0
    q = request.GET.get("q", "").strip()
    conversations = chat.staff_inbox(request.user, show, grid_id or None, q)[:INBOX_SHOWN]
    from portal.properties.models import Grid

    grids = access.scope_to_offices(request.user, Grid.objects.select_related("community"))
    return render(
        request,
        "notifications/chat/inbox.html",
        {
            "conversations": conversations,
            "show": show,
            "grid_id": grid_id,
            "grids": grids,
            "q": q,
            "filters": [
                ("all", _("Open")),
                ("mine", _("Mine")),
                ("unassigned", _("Unassigned")),
                ("closed", _("Closed")),
            ],
        },
    )


@login_required
def detail(request, pk: int):
    conversation = chat.get_for_user_or_404(request.user, pk)
    is_staff = chat.is_office_staff(request.user, conversation.office_id)
    error = ""
    if request.method == "POST":
        try:
            chat.post_message(
                request.user, conversation, request.POST.get("body", ""), image=request.FILES.get("image")
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect("chat:detail", conversation.pk)
    history = list(
        ChatMessage.objects.filter(conversation=conversation)
        .select_related("author", "work_order")
        .order_by("-id")[:MESSAGES_SHOWN]
    )[::-1]
    chat.mark_read(request.user, conversation)
    context = {
        "conversation": conversation,
        "history": history,
        "is_staff": is_staff,
        "error": error,
        "draft": request.POST.get("body", "") if error else "",
        "read_up_to": chat.read_by_other_side(conversation, request.user),
        "max_length": chat.MAX_LENGTH,
        "max_photo_bytes": MAX_PHOTO_BYTES,
        "chat_strings": {
            "read": _("Read"),
            "typing": _("is typing…"),
            "photo": _("Photo sent in the chat"),
            "sending": _("Sending the photo…"),
            "too_big": _("This photo is larger than 10 MB; choose a smaller one."),
            "failed": _("The photo could not be sent. Check your connection and try again."),
        },
    }
    if is_staff:
        from portal.workorders.models import WorkOrder

        context.update(
            colleagues=chat.office_colleagues(conversation.office_id),
            canned=chat.CANNED_REPLIES,
            info=chat.resident_context(conversation),
            categories=WorkOrder.Category.choices,
        )
    return render(request, "notifications/chat/detail.html", context)


def _staff_conversation(request, pk):
    conversation = chat.get_for_user_or_404(request.user, pk)
    if not chat.is_office_staff(request.user, conversation.office_id):
        raise Http404
    return conversation


@login_required
@require_POST
def assign(request, pk: int):
    conversation = _staff_conversation(request, pk)
    assignee_id = request.POST.get("assignee")
    assignee = get_user_model().objects.filter(pk=assignee_id).first() if assignee_id else None
    try:
        chat.assign(request.user, conversation, assignee)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Conversation assigned."))
    return redirect("chat:detail", pk)


@login_required
@require_POST
def set_status(request, pk: int):
    conversation = _staff_conversation(request, pk)
    status = request.POST.get("status")
    try:
        chat.set_status(request.user, conversation, status)
    except (ValidationError, ValueError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("chat:detail", pk)


@login_required
@require_POST
def work_order(request, pk: int, message_id: int):
    conversation = _staff_conversation(request, pk)
    message = ChatMessage.objects.filter(conversation=conversation, pk=message_id).first()
    if message is None:
        raise Http404
    try:
        order = chat.make_work_order(request.user, message, request.POST.get("category", "other"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, _("Work order %(ref)s created from the message.") % {"ref": order.reference})
    return redirect("chat:detail", pk)


@login_required
@require_POST
def upload_photo(request, pk: int):
    """A photo (and an optional caption) sent from the chat page; it reaches both sides over the websocket.

    Answers JSON: ``{"id": n}``, or ``{"error": "..."}`` with status 400 when the file is refused.
    """
    conversation = chat.get_for_user_or_404(request.user, pk)
    image = request.FILES.get("image")
    if image is None:
        return JsonResponse({"error": _("Choose a photo to send.")}, status=400)
    try:
        message = chat.post_message(request.user, conversation, request.POST.get("body", ""), image=image)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    except PermissionDenied:
        raise Http404 from None
    return JsonResponse({"id": message.pk, "message": chat.message_payload(message)})


def _photo(request, pk: int, message_id: int, thumbnail: bool):
    conversation = chat.get_for_user_or_404(request.user, pk)
    message = ChatMessage.objects.filter(conversation=conversation, pk=message_id).exclude(image="").first()
    if message is None:
        raise Http404
    field = message.thumbnail if thumbnail and message.thumbnail else message.image
    response = uploads.stored_file_response(field, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def photo(request, pk: int, message_id: int):
    """A chat photo, for the conversation's participants only."""
    return _photo(request, pk, message_id, thumbnail=False)


@login_required
def photo_thumb(request, pk: int, message_id: int):
    return _photo(request, pk, message_id, thumbnail=True)


@login_required
def search(request):
    """Search the chat history: a resident their own conversations, staff their offices' conversations."""
    q = request.GET.get("q", "").strip()[: chat.SEARCH_MAX_LENGTH]
    results = list(chat.search_messages(request.user, q)[: chat.SEARCH_SHOWN + 1]) if q else []
    more = len(results) > chat.SEARCH_SHOWN
    for message in results:
        message.parts = _snippet(message.body, q)
    return render(
        request,
        "notifications/chat/search.html",
        {
            "q": q,
            "results": results[: chat.SEARCH_SHOWN],
            "more": more,
            "shown": chat.SEARCH_SHOWN,
            "is_staff": bool(access.office_ids_with_role(request.user, chat.OFFICE_ROLES)) or request.user.is_superuser,
        },
    )


SNIPPET_CONTEXT = 60


def _snippet(body: str, q: str) -> tuple[str, str, str]:
    """(before, match, after) around the first match, trimmed to some context either side."""
    at = body.lower().find(q.lower())
    if at < 0:
        return body[: 2 * SNIPPET_CONTEXT], "", ""
    before = body[max(0, at - SNIPPET_CONTEXT) : at]
    after = body[at + len(q) : at + len(q) + SNIPPET_CONTEXT]
    return (
        ("…" if at > SNIPPET_CONTEXT else "") + before,
        body[at : at + len(q)],
        after + ("…" if at + len(q) + SNIPPET_CONTEXT < len(body) else ""),
    )
