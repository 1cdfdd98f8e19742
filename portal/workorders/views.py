"""The resident's requests (file, follow, accept) and the technician's phone view of their work orders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from commerce.money import format_money
from commerce.payments.gateways import GatewayUnavailable, get_gateway
from portal import uploads
from portal.access import resident_units

from . import access, forms, services
from .models import WorkOrder, WorkOrderPhoto


def _errors(exc) -> list[str]:
    return list(getattr(exc, "messages", None) or [str(exc)])


def _flash(request, exc) -> None:
    for message in _errors(exc):
        messages.error(request, message)


@login_required
def index(request):
    orders = (
        access.resident_orders(request.user)
        .select_related("unit__building", "building", "technician")
        .order_by("-received_at")[:100]
    )
    return render(
        request,
        "workorders/resident/index.html",
        {"orders": orders, "has_household": resident_units(request.user).exists()},
    )


@login_required
def new(request):
    if not resident_units(request.user).exists():
        raise Http404
    form = forms.RequestForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = services.file_request(
                by=request.user,
                unit=data["unit"],
                kind=data["kind"],
                area=data["area"],
                category=data["category"],
                location=data["location"],
                description=data["description"],
                preferred_time=data["preferred_time"],
                photos=data["photos"],
            )
        except (ValidationError, PermissionDenied) as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            messages.success(
                request, _("Your request %(ref)s was received. You can follow it here.") % {"ref": order.reference}
            )
            return redirect("workorders:detail", order.reference)
    status = 422 if request.method == "POST" else 200
    return render(request, "workorders/resident/new.html", {"form": form}, status=status)


def _detail_context(order):
    photos = list(order.photos.all())
    currency = order.office.region.company.currency
    return {
        "order": order,
        "timeline": order.events.filter(public=True).order_by("at", "pk"),
        "report_photos": [p for p in photos if p.stage == WorkOrderPhoto.Stage.REPORT],
        "before_photos": [p for p in photos if p.stage == WorkOrderPhoto.Stage.BEFORE],
        "after_photos": [p for p in photos if p.stage == WorkOrderPhoto.Stage.AFTER],
        "lines": order.lines.all(),
        "charge_total": format_money(order.charge_total, currency),
        "return_visits": order.return_visits.all(),
    }


@login_required
def detail(request, reference):
    order = access.get_resident_order_or_404(request.user, reference)
    context = _detail_context(order)
    context.update(
        accept_form=forms.AcceptForm(),
        reason_form=forms.ReasonForm(),
        may_withdraw=order.status in (WorkOrder.Status.NEW, WorkOrder.Status.DISPATCHED),
    )
    return render(request, "workorders/resident/detail.html", context)


@login_required
@require_POST
def resident_action(request, reference, action):
    order = access.get_resident_order_or_404(request.user, reference)
    try:
        if action == "accept":
            form = forms.AcceptForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Rate the work from 1 to 5 stars."))
            services.accept(order, by=request.user, **form.cleaned_data)
            messages.success(request, _("Thank you for your rating."))
        elif action == "reopen":
            services.reopen(order, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("The request is reopened; we will come back."))
        elif action == "withdraw":
            services.cancel(order, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("The request is withdrawn."))
        elif action == "pay":
            gateway = get_gateway()
            payment = services.start_charge_payment(order, by=request.user, gateway=gateway.name)
            return redirect(gateway.start(payment, reverse("payment_result", args=[payment.pk])))
        elif action in ("accept-charge", "decline-charge"):
            services.decide_charge(order, by=request.user, accept=action == "accept-charge")
            messages.success(request, _("Your decision was sent to the technician."))
        else:
            raise Http404
    except (ValidationError, PermissionDenied, GatewayUnavailable) as exc:
        _flash(request, exc)
    return redirect("workorders:detail", order.reference)


def _may_see_photo(user, photo) -> bool:
    order = photo.order
    if access.resident_orders(user).filter(pk=order.pk).exists():
        return True
    if access.technician_orders(user).filter(pk=order.pk).exists():
        return True
    return access.may_handle(user, order)


@login_required
def photo(request, pk):
    try:
        found = WorkOrderPhoto.objects.select_related("order").get(pk=pk)
    except WorkOrderPhoto.DoesNotExist:
        raise Http404 from None
    if not _may_see_photo(request.user, found):
        raise Http404
    response = uploads.stored_file_response(found.image, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- the technician's phone view -----------------------------------------------------------------


def _require_technician(user):
    if not access.is_technician(user):
        raise PermissionDenied


@login_required
def jobs(request):
    _require_technician(request.user)
    orders = access.technician_orders(request.user).select_related("unit__building", "building")
    open_orders = orders.filter(status__in=WorkOrder.BEFORE_FINISH).order_by("promised_at")
    done = orders.exclude(status__in=WorkOrder.BEFORE_FINISH).order_by("-finished_at")[:20]
    return render(request, "workorders/tech/jobs.html", {"open_orders": open_orders, "done": done})


@login_required
def job(request, reference):
    _require_technician(request.user)
    order = access.get_technician_order_or_404(request.user, reference)
    context = _detail_context(order)
    context.update(
        photo_form=forms.PhotoUploadForm(),
        line_form=forms.LineForm(office_id=order.office_id),
        finish_form=forms.FinishForm(),
    )
    return render(request, "workorders/tech/job.html", context)


@login_required
@require_POST
def job_action(request, reference, action):
    _require_technician(request.user)
    order = access.get_technician_order_or_404(request.user, reference)
    try:
        if action == "on-the-way":
            services.set_on_the_way(order, by=request.user)
        elif action == "check-in":
            services.check_in(order, by=request.user)
        elif action == "photos":
            form = forms.PhotoUploadForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            services.add_photos(
                order, by=request.user, stage=form.cleaned_data["stage"], files=form.cleaned_data["photos"]
            )
            messages.success(request, _("Photos saved."))
        elif action == "line":
            form = forms.LineForm(request.POST, office_id=order.office_id)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            data = form.cleaned_data
            services.add_line(
                order, by=request.user, price_item=data["price_item"], name=data["name"], quantity=data["quantity"]
            )
            messages.success(request, _("Recorded."))
        elif action == "finish":
            services.finish(order, by=request.user, resolution=request.POST.get("resolution", ""))
            messages.success(request, _("Finished; the resident is asked to accept the work."))
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        _flash(request, exc)
    return redirect("workorders:job", order.reference)
