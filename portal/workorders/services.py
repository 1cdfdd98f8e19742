"""Every state change of a work order: one function each. Views parse and authorize; these decide.

Each function locks the order (``select_for_update``), checks the move against ``WorkOrder.TRANSITIONS``,
writes an append-only ``WorkOrderEvent`` and tells the first-contact owner and the resident (and whoever
else the step concerns) through ``notifications.notify``.
"""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from commerce.money import format_money, round_money
from notifications.services import notify
from portal.access import may_act_in_office, resident_units, staff_roles
from portal.people.models import StaffMembership, StaffRole

from . import photos as photo_rules
from .access import DESK_ROLES, MANAGER_ROLES, may_handle
from .models import OrderLine, PriceItem, ReturnVisit, ServiceSettings, WorkOrder, WorkOrderEvent, WorkOrderPhoto

S = WorkOrder.Status
REFERENCE_PREFIX = {
    WorkOrder.Kind.REPAIR: "R",
    WorkOrder.Kind.COMPLAINT: "C",
    WorkOrder.Kind.SUGGESTION: "S",
    WorkOrder.Kind.ENQUIRY: "Q",
}
REPAIR_CHARGE_CODE = "repair"


# --- helpers -------------------------------------------------------------------------------------


def _when(moment) -> str:
    if moment is None:
        return "–"
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _summary(order: WorkOrder) -> str:
    text = " ".join(order.description.split())
    return text if len(text) <= 60 else text[:59] + "…"


def _context(order: WorkOrder, **extra) -> dict:
    return {
        "ref": order.reference,
        "kind": order.get_kind_display(),
        "summary": _summary(order),
        "where": order.where,
        "promised": _when(order.promised_at),
        "technician": str(order.technician) if order.technician_id else "",
        "arrival": _when(order.arrival_due_at),
        **extra,
    }


def _resident_recipients(order: WorkOrder) -> list:
    return [order.requested_by] if order.requested_by_id else []


def _staff_recipients(order: WorkOrder) -> list:
    return [user for user in (order.owner, order.housekeeper) if user is not None]


def _tell(order: WorkOrder, event: str, *, resident=True, staff=True, also=(), **extra) -> None:
    """The step's notice to the resident (their timeline) and to the owner and housekeeper (the back office)."""
    context = _context(order, **extra)
    resident_url = reverse("workorders:detail", args=[order.reference])
    staff_url = reverse("workorders_board:detail", args=[order.pk])
    residents = _resident_recipients(order) if resident else []
    notify(residents, event, context, url=resident_url)
    staff_people = [u for u in [*(_staff_recipients(order) if staff else []), *also] if u not in residents]
    technicians = [u for u in staff_people if u.pk == order.technician_id]
    others = [u for u in staff_people if u.pk != order.technician_id]
    if others:
        notify(others, event, context, url=staff_url)
    if technicians:
        notify(technicians, event, context, url=reverse("workorders:job", args=[order.reference]))


def _event(order, kind, text, *, actor=None, note="", public=True, from_status="", to_status="", at=None):
    return WorkOrderEvent.objects.create(
        order=order,
        kind=kind,
        text=str(text)[:300],
        note=(note or "")[:500],
        public=public,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        from_status=from_status,
        to_status=to_status,
        at=at or timezone.now(),
    )


def _move(order: WorkOrder, to: str, *, actor, text, note="", public=True, at=None) -> None:
    order.check_transition(to)
    old = order.status
    order.status = to
    _event(
        order,
        WorkOrderEvent.Kind.STATUS,
        text,
        actor=actor,
        note=note,
        public=public,
        from_status=old,
        to_status=to,
        at=at,
    )


def _locked(order: WorkOrder) -> WorkOrder:
    return (
        WorkOrder.objects.select_for_update(of=("self",)).select_related("office", "unit", "building").get(pk=order.pk)
    )


def _require(condition: bool, message) -> None:
    if not condition:
        raise PermissionDenied(message)


def _reason(reason: str, what) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(_("Give a reason: %(what)s") % {"what": what}, code="reason")
    return reason[:300]


def _is_resident_of(user, order: WorkOrder) -> bool:
    return order.unit_id is not None and resident_units(user).filter(pk=order.unit_id).exists()


def _is_assigned_technician(user, order: WorkOrder) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and order.technician_id == user.pk
        and StaffRole.TECHNICIAN in staff_roles(user, order.office_id)
    )


def _staff_in_office(office_id, role) -> list:
    memberships = StaffMembership.objects.active().filter(office_id=office_id, role=role).select_related("user")
    return [m.user for m in memberships if m.user.is_active]


def is_staff_with_role(user, office_id, role) -> bool:
    return StaffMembership.objects.active().filter(user=user, office_id=office_id, role=role).exists()


# --- receiving and routing -----------------------------------------------------------------------


def grid_of_building(building):
    """The grid a building belongs to: the grid of most of its units (buildings are not split often)."""
    if building is None:
        return None
    counts = Counter(building.units.values_list("grid_id", flat=True))
    if not counts:
        return None
    grid_id = counts.most_common(1)[0][0]
    from portal.properties.models import Grid

    return Grid.objects.select_related("housekeeper").get(pk=grid_id)


def route(order: WorkOrder):
    """(grid, housekeeper) for a new request: the unit's grid, or for a public area the building's."""
    if order.area == WorkOrder.Area.PUBLIC:
        grid = grid_of_building(order.building)
    else:
        grid = order.unit.grid if order.unit_id else None
    housekeeper = grid.housekeeper if grid is not None and grid.housekeeper_id else None
    if housekeeper is not None and not housekeeper.is_active:
        housekeeper = None
    return grid, housekeeper


def default_promise(office, kind, received_at) -> datetime.datetime:
    rules = ServiceSettings.for_office(office)
    return received_at + datetime.timedelta(days=rules.default_promise_days)


def _check_promise(office, received_at, promised_at, now) -> None:
    rules = ServiceSettings.for_office(office)
    latest = received_at + datetime.timedelta(days=rules.max_promise_days)
    if promised_at <= now:
        raise ValidationError(_("The promised time must be in the future."), code="promise_past")
    if promised_at > latest + datetime.timedelta(minutes=1):
        raise ValidationError(
            _("A promised time may be at most %(days)d days after the request was received.")
            % {"days": rules.max_promise_days},
            code="promise_too_far",
        )


def file_request(
    *,
    by,
    unit=None,
    kind: str,
    area: str = WorkOrder.Area.HOME,
    category: str,
    description: str,
    location: str = "",
    building=None,
    preferred_time=None,
    photos=(),
    channel: str = WorkOrder.Channel.ONLINE,
    caller_name: str = "",
    caller_phone: str = "",
    promised_at=None,
    office=None,
    now=None,
) -> WorkOrder:
    """Receive a request from a resident on the site, or from the front desk for a caller.

    Whoever receives it becomes its first-contact owner: the desk staff member, or for an online
    request the housekeeper it is routed to. Photos are checked before anything is saved.
    """
    now = now or timezone.now()
    photos = list(photos)
    description = (description or "").strip()
    if not description:
        raise ValidationError(_("Describe the problem so that the right person comes."), code="description")
    if kind not in WorkOrder.Kind.values or category not in WorkOrder.Category.values:
        raise ValidationError(_("Choose a kind and a category from the list."), code="choice")
    if area not in WorkOrder.Area.values:
        raise ValidationError(_("Choose whether it is in the home or in a public area."), code="area")
    if kind != WorkOrder.Kind.REPAIR:
        area = WorkOrder.Area.PUBLIC if unit is None else area
    if unit is not None:
        office = unit.building.community.office
        building = building or unit.building
    elif building is not None:
        office = building.community.office
    if office is None:
        raise ValidationError(_("Choose the household (or, for a public area, the building)."), code="unit")
    if area == WorkOrder.Area.HOME and unit is None:
        raise ValidationError(_("A request about a home needs the household."), code="unit")
    if building is not None and building.community.office_id != office.pk:
        raise ValidationError(_("The building belongs to another office."), code="building")

    desk = channel != WorkOrder.Channel.ONLINE
    if desk:
        _require(may_act_in_office(by, DESK_ROLES, office), _("You cannot take requests for this office."))
        if channel not in WorkOrder.Channel.values:
            raise ValidationError(_("Choose how the request came in."), code="channel")
    else:
        _require(unit is not None and _is_resident_of(by, WorkOrder(unit=unit)), _("This is not your household."))
    if preferred_time is not None and preferred_time < now - datetime.timedelta(minutes=5):
        raise ValidationError(_("The preferred visit time is in the past."), code="preferred_time")
    photo_rules.check_photos(photos)

    rules = ServiceSettings.for_office(office)
    if promised_at is None:
        promised_at = default_promise(office, kind, now)
    else:
        _check_promise(office, now, promised_at, now)

    with transaction.atomic():
        order = WorkOrder(
            reference=f"tmp-{timezone.now().timestamp():.6f}"[-20:],
            office=office,
            unit=unit,
            building=building,
            kind=kind,
            area=area,
            category=category,
            location=(location or "").strip()[:200],
            description=description[:2000],
            preferred_time=preferred_time,
            channel=channel,
            caller_name=(caller_name or "").strip()[:100],
            caller_phone=(caller_phone or "").strip()[:40],
            requested_by=None if desk else by,
            received_at=now,
            dispatch_due_at=now + datetime.timedelta(minutes=rules.dispatch_minutes),
            promised_at=promised_at,
        )
        if desk and unit is not None:
            # A caller from a household: the household's account holder who called (if matched) follows it.
            order.requested_by = _matching_resident(unit, caller_phone)
        order.grid, order.housekeeper = route(order)
        order.owner = by if desk else order.housekeeper
        order.save()
        order.reference = f"{REFERENCE_PREFIX[kind]}{timezone.localtime(now):%y%m%d}{order.pk:05d}"
        WorkOrder.objects.filter(pk=order.pk).update(reference=order.reference)
        for upload in photos:
            _save_photo(order, upload, WorkOrderPhoto.Stage.REPORT, by)
        if desk:
            received = _("Received by %(who)s (%(channel)s).") % {"who": by, "channel": order.get_channel_display()}
        else:
            received = _("Received on the site.")
        _event(order, WorkOrderEvent.Kind.RECEIVED, received, actor=by, at=now)
        if order.housekeeper is not None:
            routed = _("Routed to housekeeper %(name)s (%(grid)s).") % {"name": order.housekeeper, "grid": order.grid}
        else:
            routed = _("Waiting in the front-desk queue of %(office)s.") % {"office": office}
        _event(order, WorkOrderEvent.Kind.ROUTED, routed, actor=None, at=now)

        _tell(order, "workorder.received", staff=False)
        if order.owner is not None and order.owner != order.housekeeper:
            notify(
                [order.owner],
                "workorder.received",
                _context(order),
                url=reverse("workorders_board:detail", args=[order.pk]),
            )
        if order.housekeeper is not None:
            notify(
                [order.housekeeper],
                "workorder.routed",
                _context(order, minutes=rules.dispatch_minutes),
                url=reverse("workorders_board:detail", args=[order.pk]),
            )
        else:
            notify(
                _staff_in_office(office.pk, StaffRole.FRONT_DESK),
                "workorder.queued",
                _context(order),
                url=reverse("workorders_board:detail", args=[order.pk]),
            )
    return order


def _matching_resident(unit, phone: str):
    from portal.people.phones import normalize_phone

    if not phone:
        return None
    try:
        phone = normalize_phone(phone)
    except Exception:  # noqa: BLE001 - an odd number typed at the desk simply matches nobody
        return None
    membership = unit.memberships.active().filter(user__phone=phone).select_related("user").first()
    return membership.user if membership else None


def _save_photo(order, upload, stage, by) -> WorkOrderPhoto:
    content, width, height = photo_rules.reencode(upload)
    photo = WorkOrderPhoto(order=order, stage=stage, uploaded_by=by, width=width, height=height)
    photo.image.save(content.name, content, save=False)
    photo.save()
    return photo


def reassign(order: WorkOrder, *, by, housekeeper, reason: str) -> WorkOrder:
    """Hand the request to another housekeeper of the office, saying why. The owner stays the owner."""
    reason = _reason(reason, gettext_lazy("why it is reassigned"))
    with transaction.atomic():
        order = _locked(order)
        _require(may_handle(by, order), _("You cannot reassign requests of this office."))
        if not order.is_open:
            raise ValidationError(_("A closed request cannot be reassigned."), code="closed")
        if not is_staff_with_role(housekeeper, order.office_id, StaffRole.HOUSEKEEPER) and not is_staff_with_role(
            housekeeper, order.office_id, StaffRole.FRONT_DESK
        ):
            raise ValidationError(_("Choose a housekeeper or front-desk colleague of this office."), code="housekeeper")
        previous = order.housekeeper
        order.housekeeper = housekeeper
        if order.owner_id is None:
            order.owner = by
        order.save()
        _event(
            order,
            WorkOrderEvent.Kind.REASSIGNED,
            _("Reassigned from %(old)s to %(new)s.")
            % {"old": previous or _("the front-desk queue"), "new": housekeeper},
            actor=by,
            note=reason,
            public=False,
        )
        _tell(
            order,
            "workorder.reassigned",
            resident=False,
            also=[housekeeper],
            to=str(housekeeper),
            by=str(by),
            reason=reason,
        )
    return order


# --- dispatch and the technician's steps ---------------------------------------------------------


def technicians_of(office_id) -> list:
    return _staff_in_office(office_id, StaffRole.TECHNICIAN)


def dispatch(order: WorkOrder, *, by, technician, now=None) -> WorkOrder:
    """Assign a technician (派工). Late against the dispatch clock is flagged and counted, never hidden."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _locked(order)
        _require(may_handle(by, order), _("You cannot dispatch requests of this office."))
        if not is_staff_with_role(technician, order.office_id, StaffRole.TECHNICIAN):
            raise ValidationError(_("Choose a technician of this office."), code="technician")
        rules = ServiceSettings.for_office(order.office_id)
        redispatch = order.status == S.DISPATCHED
        alert_now = False
        _move(
            order,
            S.DISPATCHED,
            actor=by,
            text=_("Dispatched to %(name)s.") % {"name": technician},
            at=now,
        )
        order.technician = technician
        if order.owner_id is None:
            order.owner = by
        if not redispatch:
            late = now > order.dispatch_due_at
            if order.dispatched_at is None:
                order.dispatched_at = now
            if late and not order.dispatch_late:
                order.dispatch_late = True
                _event(
                    order,
                    WorkOrderEvent.Kind.BREACH,
                    _("Dispatched after the %(minutes)d-minute promise.") % {"minutes": rules.dispatch_minutes},
                    public=False,
                    at=now,
                )
            alert_now = late and order.dispatch_alerted_at is None
            if alert_now:  # dispatched late before the minute-by-minute check caught it: still alert once
                order.dispatch_alerted_at = now
        order.arrival_due_at = now + datetime.timedelta(minutes=rules.arrival_minutes)
        order.arrival_alerted_at = None  # a new arrival window: its breach is a new one
        order.save()
        if alert_now:
            _send_breach_alert(order, BREACH_DISPATCH, now)
        _tell(order, "workorder.dispatched")
        notify(
            [technician],
            "workorder.assigned_to_you",
            _context(order),
            url=reverse("workorders:job", args=[order.reference]),
        )
    return order


def _technician_step(order, by, to, text, event, now=None) -> WorkOrder:
    now = now or timezone.now()
    with transaction.atomic():
        order = _locked(order)
        _require(_is_assigned_technician(by, order), _("This work order is not assigned to you."))
        _move(order, to, actor=by, text=text, at=now)
        if to == S.ON_THE_WAY:
            order.on_the_way_at = now
        elif to == S.ON_SITE:
            order.arrived_at = now
            late = order.arrival_due_at is not None and now > order.arrival_due_at
            if late and not order.arrival_late:
                order.arrival_late = True
                _event(order, WorkOrderEvent.Kind.BREACH, _("Arrived after the promised window."), public=False, at=now)
            if late and order.arrival_alerted_at is None:
                order.arrival_alerted_at = now
                _send_breach_alert(order, BREACH_ARRIVAL, now)
        order.save()
        _tell(order, event)
    return order


def set_on_the_way(order, *, by, now=None) -> WorkOrder:
    return _technician_step(order, by, S.ON_THE_WAY, _("The technician is on the way."), "workorder.on_the_way", now)


def check_in(order, *, by, now=None) -> WorkOrder:
    return _technician_step(order, by, S.ON_SITE, _("The technician checked in on site."), "workorder.on_site", now)


def add_photos(order: WorkOrder, *, by, stage: str, files) -> list[WorkOrderPhoto]:
    """Before/after photos by the assigned technician on site (at most 6 of each)."""
    files = list(files)
    if stage not in (WorkOrderPhoto.Stage.BEFORE, WorkOrderPhoto.Stage.AFTER):
        raise ValidationError(_("Choose “before” or “after”."), code="stage")
    if not files:
        raise ValidationError(_("Choose at least one photo."), code="no_photo")
    with transaction.atomic():
        order = _locked(order)
        _require(_is_assigned_technician(by, order), _("This work order is not assigned to you."))
        if order.status != S.ON_SITE:
            raise ValidationError(_("Photos of the repair are taken on site, after checking in."), code="not_on_site")
        photo_rules.check_photos(files, already=order.photos.filter(stage=stage).count())
        saved = [_save_photo(order, upload, stage, by) for upload in files]
        _event(
            order,
            WorkOrderEvent.Kind.NOTE,
            ngettext("%(count)d photo added (%(stage)s).", "%(count)d photos added (%(stage)s).", len(saved))
            % {"count": len(saved), "stage": WorkOrderPhoto.Stage(stage).label},
            actor=by,
        )
    return saved


def _recount_charge(order: WorkOrder) -> None:
    total = order.lines.filter(chargeable=True).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
    order.charge_total = round_money(total)


def add_line(order: WorkOrder, *, by, price_item: PriceItem | None = None, name: str = "", quantity, chargeable=None):
    """Record labour or material. From the price list it is charged to the household (in-home repairs only).

    A priced line asks the resident's consent again; the work may not be finished until they decide.
    """
    try:
        quantity = Decimal(str(quantity))
    except Exception:  # noqa: BLE001
        raise ValidationError(_("The quantity must be a number."), code="quantity") from None
    if quantity <= 0 or quantity != quantity.quantize(Decimal("0.01")) or quantity > 10000:
        raise ValidationError(_("The quantity must be more than zero, with at most 2 decimal places."), code="quantity")
    with transaction.atomic():
        order = _locked(order)
        _require(_is_assigned_technician(by, order), _("This work order is not assigned to you."))
        if order.status not in (S.DISPATCHED, S.ON_THE_WAY, S.ON_SITE):
            raise ValidationError(_("Labour and materials are recorded before the work is finished."), code="state")
        if price_item is not None:
            if price_item.office_id != order.office_id or not price_item.active:
                raise ValidationError(_("Choose an item of this office's price list."), code="price_item")
            name, unit_price, kind = price_item.name, Decimal(str(price_item.price)), price_item.kind
            chargeable = (
                (order.kind == WorkOrder.Kind.REPAIR and order.area == WorkOrder.Area.HOME)
                if chargeable is None
                else chargeable
            )
        else:
            name = (name or "").strip()
            if not name:
                raise ValidationError(_("Name the material used, or choose it from the price list."), code="name")
            unit_price, kind, chargeable = Decimal("0.00"), PriceItem.Kind.MATERIAL, False
        if chargeable and not (order.kind == WorkOrder.Kind.REPAIR and order.area == WorkOrder.Area.HOME):
            raise ValidationError(_("Only repairs in a home can be charged to the household."), code="public")
        if chargeable and order.charge_status == WorkOrder.ChargeStatus.POSTED:
            raise ValidationError(_("This repair has already been charged."), code="posted")
        line = OrderLine.objects.create(
            order=order,
            price_item=price_item,
            kind=kind,
            name=name[:100],
            quantity=quantity,
            unit_price=unit_price,
            amount=round_money(unit_price * quantity) if chargeable else Decimal("0.00"),
            chargeable=bool(chargeable),
            added_by=by,
        )
        if line.chargeable:
            _recount_charge(order)
            order.charge_status = WorkOrder.ChargeStatus.PROPOSED
            order.save()
            amount = format_money(order.charge_total, order.office.region.company.currency)
            _event(
                order,
                WorkOrderEvent.Kind.CHARGE,
                _("Price proposed: %(amount)s. Waiting for the resident's consent.") % {"amount": amount},
                actor=by,
            )
            _tell(order, "workorder.charge_proposed", amount=amount)
        else:
            _event(
                order,
                WorkOrderEvent.Kind.NOTE,
                _("Material used: %(name)s × %(qty)s.") % {"name": name, "qty": f"{quantity.normalize():f}"},
                actor=by,
                public=False,
            )
    return line


def decide_charge(order: WorkOrder, *, by, accept: bool) -> WorkOrder:
    """The resident accepts the price before work starts, or declines it (the paid work is then not done)."""
    with transaction.atomic():
        order = _locked(order)
        _require(_is_resident_of(by, order), _("This is not your household's request."))
        if order.charge_status != WorkOrder.ChargeStatus.PROPOSED:
            raise ValidationError(_("There is no price waiting for your decision."), code="no_price")
        order.charge_status = WorkOrder.ChargeStatus.ACCEPTED if accept else WorkOrder.ChargeStatus.DECLINED
        order.save()
        amount = format_money(order.charge_total, order.office.region.company.currency)
        decision = _("accepted") if accept else _("declined")
        _event(
            order,
            WorkOrderEvent.Kind.CHARGE,
            _("The resident %(decision)s the price %(amount)s.") % {"decision": decision, "amount": amount},
            actor=by,
        )
        _tell(
            order,
            "workorder.charge_decided",
            resident=False,
            also=[order.technician] if order.technician_id else [],
            amount=amount,
            decision=decision,
        )
    return order


def finish(order: WorkOrder, *, by, resolution: str, now=None) -> WorkOrder:
    """The technician finishes: before and after photos are both required for a repair; an accepted price is charged."""
    now = now or timezone.now()
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError(_("Say what was done; the resident reads it."), code="resolution")
    with transaction.atomic():
        order = _locked(order)
        _require(_is_assigned_technician(by, order), _("This work order is not assigned to you."))
        if order.kind == WorkOrder.Kind.REPAIR:
            stages = set(order.photos.values_list("stage", flat=True))
            missing = [
                str(stage.label)
                for stage in (WorkOrderPhoto.Stage.BEFORE, WorkOrderPhoto.Stage.AFTER)
                if stage.value not in stages
            ]
            if missing and order.status == S.ON_SITE:
                raise ValidationError(
                    _("A repair needs photos before and after the work; missing: %(missing)s.")
                    % {"missing": ", ".join(missing)},
                    code="photos",
                )
        if order.charge_status == WorkOrder.ChargeStatus.PROPOSED:
            raise ValidationError(
                _("The resident has not yet accepted or declined the price; the work cannot be finished."),
                code="charge",
            )
        _move(
            order,
            S.AWAITING_ACCEPTANCE,
            actor=by,
            text=_("Work finished; waiting for the resident's acceptance."),
            note=resolution,
            at=now,
        )
        order.resolution = resolution[:2000]
        order.finished_at = order.finished_at or now
        order.finished_late = order.finished_late or now > order.promised_at
        order.save()
        bill = _post_charge(order, by)
        _tell(order, "workorder.finished", resolution=resolution)
        if bill is not None:
            _tell(order, "workorder.charged", staff=False, amount=format_money(bill.total, bill.currency))
    return order


def repair_charge_item(office):
    """The office's one-off charge item for paid repairs (made on first use)."""
    from commerce.billing.models import ChargeItem

    item, _created = ChargeItem.objects.get_or_create(
        office=office,
        code=REPAIR_CHARGE_CODE,
        defaults={
            "name": str(gettext_lazy("Paid repair")),
            "kind": ChargeItem.Kind.ONE_OFF,
            "cycle": ChargeItem.Cycle.ONCE,
        },
    )
    return item


def _post_charge(order: WorkOrder, by):
    """On completion an accepted price posts to the household account, exactly once per order."""
    if order.charge_status != WorkOrder.ChargeStatus.ACCEPTED or order.charge_total <= 0 or order.unit_id is None:
        return None
    from commerce.billing.one_off import issue_charge

    key = f"workorders:repair:{order.pk}"
    lines = order.lines.filter(chargeable=True)
    explanation = "; ".join(f"{line.name} × {line.quantity.normalize():f}" for line in lines)
    bill = issue_charge(
        order.unit,
        repair_charge_item(order.office),
        order.charge_total,
        key=key,
        note=_("Repair %(ref)s: %(what)s") % {"ref": order.reference, "what": explanation},
        by=by,
        explanation=explanation,
        source=key,
    )
    order.bill = bill
    order.charge_status = WorkOrder.ChargeStatus.POSTED
    order.save(update_fields=["bill", "charge_status", "updated_at"])
    _event(
        order,
        WorkOrderEvent.Kind.CHARGE,
        _("Charged %(amount)s to the household account.") % {"amount": format_money(bill.total, bill.currency)},
        actor=by,
    )
    return bill


def bill_paid(bill) -> None:
    """Told by payments when a repair bill is paid in full (idempotent: marked and written once)."""
    order = WorkOrder.objects.filter(bill=bill).first()
    if order is None:
        return
    with transaction.atomic():
        order = _locked(order)
        if order.charge_paid_at is not None:
            return
        order.charge_paid_at = timezone.now()
        order.save(update_fields=["charge_paid_at", "updated_at"])
        _event(order, WorkOrderEvent.Kind.CHARGE, _("The repair charge is paid."))


def start_charge_payment(order: WorkOrder, *, by, gateway: str = ""):
    """Pay now: an online payment of the repair's bill through the same gateway as "Pay bills".

    The bill is already on the household account; paying it there later (with the monthly bills or
    at the desk) settles it just the same. Returns the payment to send the resident to the gateway with.
    """
    from commerce.payments import services as payments

    _require(_is_resident_of(by, order), _("This is not your household's request."))
    if order.bill_id is None:
        raise ValidationError(_("There is no repair charge to pay yet."), code="no_bill")
    if order.charge_paid_at is not None or payments.outstanding(order.bill) <= 0:
        raise ValidationError(_("The repair charge is already paid."), code="paid")
    return payments.pay_online(by, order.unit, [order.bill], gateway=gateway)


def answer(order: WorkOrder, *, by, reply: str, complaint_valid: bool | None = None, now=None) -> WorkOrder:
    """Staff answer a complaint, suggestion or enquiry that needs no technician."""
    now = now or timezone.now()
    reply = (reply or "").strip()
    if not reply:
        raise ValidationError(_("Write the answer the resident will read."), code="reply")
    with transaction.atomic():
        order = _locked(order)
        _require(may_handle(by, order), _("You cannot handle requests of this office."))
        if order.kind == WorkOrder.Kind.REPAIR:
            raise ValidationError(_("A repair is dispatched to a technician, not answered."), code="repair")
        _move(
            order,
            S.AWAITING_ACCEPTANCE,
            actor=by,
            text=_("Answered; waiting for the resident's acceptance."),
            note=reply,
            at=now,
        )
        if order.owner_id is None:
            order.owner = by
        order.resolution = reply[:2000]
        order.finished_at = order.finished_at or now
        order.finished_late = order.finished_late or now > order.promised_at
        if order.dispatched_at is None:
            order.dispatched_at = now  # someone took it up: the dispatch clock stops here too
            order.dispatch_late = now > order.dispatch_due_at
        if order.kind == WorkOrder.Kind.COMPLAINT:
            order.complaint_valid = complaint_valid
        order.save()
        _tell(order, "workorder.answered", resolution=reply)
    return order


# --- the promised time ---------------------------------------------------------------------------


def postpone(order: WorkOrder, *, by, until, reason: str, now=None) -> WorkOrder:
    """Move the promised time once, with a reason the resident sees. A second postponement is refused."""
    now = now or timezone.now()
    reason = _reason(reason, gettext_lazy("the resident is told why it takes longer"))
    with transaction.atomic():
        order = _locked(order)
        _require(may_handle(by, order), _("You cannot change requests of this office."))
        if order.status not in WorkOrder.BEFORE_FINISH:
            raise ValidationError(_("Only a request still being handled can be postponed."), code="state")
        if order.postponements >= 1:
            raise ValidationError(
                _("This request was already postponed once; the same request may not be postponed twice."),
                code="postponed_twice",
            )
        if until <= order.promised_at:
            raise ValidationError(_("The new time must be later than the promised time."), code="earlier")
        rules = ServiceSettings.for_office(order.office_id)
        if until > now + datetime.timedelta(days=rules.max_promise_days):
            raise ValidationError(
                _("A promised time may be at most %(days)d days ahead.") % {"days": rules.max_promise_days},
                code="promise_too_far",
            )
        old = order.promised_at
        order.promised_at = until
        order.postponements += 1
        order.postpone_reason = reason
        try:
            with transaction.atomic():
                order.save()
        except IntegrityError:
            raise ValidationError(
                _("This request was already postponed once; the same request may not be postponed twice."),
                code="postponed_twice",
            ) from None
        _event(
            order,
            WorkOrderEvent.Kind.POSTPONED,
            _("Promised time moved from %(old)s to %(new)s.") % {"old": _when(old), "new": _when(until)},
            actor=by,
            note=reason,
            at=now,
        )
        _tell(order, "workorder.postponed", reason=reason)
    return order


# --- acceptance, return visits, closing ----------------------------------------------------------


def accept(order: WorkOrder, *, by, rating: int, comment: str = "", now=None) -> WorkOrder:
    now = now or timezone.now()
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError(_("Rate the work from 1 to 5 stars."), code="rating")
    with transaction.atomic():
        order = _locked(order)
        _require(_is_resident_of(by, order), _("This is not your household's request."))
        _move(
            order,
            S.RETURN_VISIT,
            actor=by,
            text=_("Accepted by the resident (%(rating)d of 5).") % {"rating": rating},
            note=comment,
            at=now,
        )
        order.accepted_at = now
        order.rating = rating
        order.rating_comment = (comment or "").strip()[:500]
        order.save()
        _tell(
            order,
            "workorder.accepted",
            resident=False,
            also=[order.technician] if order.technician_id else [],
            rating=rating,
            comment=order.rating_comment,
        )
    return order


def _reopen(order, by, reason, now, text):
    rules = ServiceSettings.for_office(order.office_id)
    _move(order, S.NEW, actor=by, text=text, note=reason, at=now)
    order.reopen_count += 1
    order.accepted_at = None
    order.rating = None
    order.dispatch_due_at = now + datetime.timedelta(minutes=rules.dispatch_minutes)
    order.arrival_due_at = None
    if order.promised_at < now + datetime.timedelta(hours=1):
        order.promised_at = now + datetime.timedelta(days=rules.default_promise_days)
    order.save()
    _tell(order, "workorder.reopened", also=[order.technician] if order.technician_id else [], reason=reason)


def reopen(order: WorkOrder, *, by, reason: str, now=None) -> WorkOrder:
    """The resident is not satisfied: the request goes back to be dispatched again."""
    now = now or timezone.now()
    reason = _reason(reason, gettext_lazy("what is still wrong"))
    with transaction.atomic():
        order = _locked(order)
        _require(_is_resident_of(by, order), _("This is not your household's request."))
        if order.status != S.AWAITING_ACCEPTANCE:
            raise ValidationError(_("Only finished work waiting for your acceptance can be reopened."), code="state")
        _reopen(order, by, reason, now, _("Reopened by the resident."))
    return order


def record_return_visit(order: WorkOrder, *, by, channel: str, satisfied: bool, result: str, now=None) -> ReturnVisit:
    """A return visit (回访) by phone or message. Satisfied closes the order; not satisfied reopens it."""
    now = now or timezone.now()
    result = _reason(result, gettext_lazy("what the resident said"))
    if channel not in ReturnVisit.Channel.values:
        raise ValidationError(_("Choose how the resident was reached."), code="channel")
    with transaction.atomic():
        order = _locked(order)
        _require(may_handle(by, order), _("You cannot follow up requests of this office."))
        if order.status not in (S.AWAITING_ACCEPTANCE, S.RETURN_VISIT):
            raise ValidationError(_("A return visit follows finished work."), code="state")
        visit = ReturnVisit.objects.create(
            order=order, channel=channel, satisfied=satisfied, result=result, by=by, at=now
        )
        _event(
            order,
            WorkOrderEvent.Kind.RETURN_VISIT,
            _("Return visit by %(channel)s: %(result)s") % {"channel": visit.get_channel_display(), "result": result},
            actor=by,
            at=now,
        )
        notify(
            _staff_recipients(order),
            "workorder.return_visit",
            _context(order, by=str(by), result=result),
            url=reverse("workorders_board:detail", args=[order.pk]),
        )
        if satisfied:
            _close(order, by, now)
        else:
            _reopen(order, by, result, now, _("Reopened after the return visit."))
    return visit


def _close(order, by, now):
    _move(order, S.CLOSED, actor=by, text=_("Closed."), at=now)
    order.closed_at = now
    order.save()
    _tell(order, "workorder.closed")


def close(order: WorkOrder, *, by, now=None) -> WorkOrder:
    """Close accepted work without a return visit (the resident's acceptance is enough)."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _locked(order)
        _require(may_handle(by, order), _("You cannot close requests of this office."))
        if order.status != S.RETURN_VISIT:
            raise ValidationError(
                _("An order closes only after the resident's acceptance or a recorded return visit."),
                code="not_accepted",
            )
        _close(order, by, now)
    return order


def cancel(order: WorkOrder, *, by, reason: str, now=None) -> WorkOrder:
    """The resident withdraws a request nobody has started on site."""
    now = now or timezone.now()
    reason = _reason(reason, gettext_lazy("why it is withdrawn"))
    with transaction.atomic():
        order = _locked(order)
        _require(_is_resident_of(by, order) or may_handle(by, order), _("This is not your household's request."))
        _move(order, S.CANCELLED, actor=by, text=_("Withdrawn."), note=reason, at=now)
        order.closed_at = now
        order.save()
        _tell(order, "workorder.cancelled", also=[order.technician] if order.technician_id else [], reason=reason)
    return order


def set_complaint_validity(order: WorkOrder, *, by, valid: bool) -> WorkOrder:
    with transaction.atomic():
        order = _locked(order)
        _require(may_act_in_office(by, MANAGER_ROLES, order.office_id), _("Only the office manager judges complaints."))
        if order.kind != WorkOrder.Kind.COMPLAINT:
            raise ValidationError(_("Only complaints are judged valid or not."), code="kind")
        order.complaint_valid = valid
        order.save()
        _event(
            order,
            WorkOrderEvent.Kind.NOTE,
            _("Judged a valid complaint.") if valid else _("Judged not a valid complaint."),
            actor=by,
            public=False,
        )
    return order


# --- escalation ----------------------------------------------------------------------------------


def stale_public_repairs(now=None):
    """Open public-area repairs past their office's escalation age that were not escalated yet."""
    now = now or timezone.now()
    candidates = WorkOrder.objects.filter(
        kind=WorkOrder.Kind.REPAIR, area=WorkOrder.Area.PUBLIC, status__in=WorkOrder.OPEN, escalated_at__isnull=True
    ).select_related("office")
    days_by_office = {}
    stale = []
    for order in candidates:
        if order.office_id not in days_by_office:
            days_by_office[order.office_id] = ServiceSettings.for_office(order.office_id).escalate_public_after_days
        if order.received_at <= now - datetime.timedelta(days=days_by_office[order.office_id]):
            stale.append(order.pk)
    return stale


def escalate(order_id: int, now=None) -> bool:
    """Escalate one stale public-area repair to the office's managers; once only (returns whether it did)."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = WorkOrder.objects.filter(pk=order_id, escalated_at__isnull=True, status__in=WorkOrder.OPEN).update(
            escalated_at=now
        )
        if not claimed:
            return False
        order = WorkOrder.objects.select_related("office").get(pk=order_id)
        days = (now - order.received_at).days
        _event(
            order,
            WorkOrderEvent.Kind.ESCALATED,
            _("Open for %(days)d days: escalated to the office manager.") % {"days": days},
            public=False,
            at=now,
        )
        managers = _staff_in_office(order.office_id, StaffRole.OFFICE_MANAGER)
        notify(
            [*managers, *_staff_recipients(order)],
            "workorder.escalated",
            _context(order, days=days),
            url=reverse("workorders_board:detail", args=[order.pk]),
        )
    return True


def escalate_stale_public_repairs(now=None) -> int:
    return sum(escalate(pk, now) for pk in stale_public_repairs(now))


# --- promise breaches: alert the grid's housekeeper and the office manager -------------------------

BREACH_DISPATCH, BREACH_ARRIVAL = "dispatch", "arrival"


def breached_orders(now=None) -> list[tuple[int, str]]:
    """(order id, kind) of every breach of the dispatch clock or the arrival window not alerted yet."""
    now = now or timezone.now()
    dispatch = WorkOrder.objects.filter(
        status=S.NEW, dispatched_at__isnull=True, dispatch_due_at__lt=now, dispatch_alerted_at__isnull=True
    ).values_list("pk", flat=True)
    arrival = WorkOrder.objects.filter(
        status__in=(S.DISPATCHED, S.ON_THE_WAY), arrival_due_at__lt=now, arrival_alerted_at__isnull=True
    ).values_list("pk", flat=True)
    return [(pk, BREACH_DISPATCH) for pk in dispatch] + [(pk, BREACH_ARRIVAL) for pk in arrival]


def _breach_recipients(order: WorkOrder) -> list:
    people = []
    grid_keeper = order.grid.housekeeper if order.grid_id and order.grid.housekeeper_id else None
    for user in (grid_keeper, order.housekeeper, *_staff_in_office(order.office_id, StaffRole.OFFICE_MANAGER)):
        if user is not None and user.is_active and user not in people:
            people.append(user)
    return people


def _send_breach_alert(order: WorkOrder, kind: str, now) -> None:
    rules = ServiceSettings.for_office(order.office_id)
    if kind == BREACH_DISPATCH:
        what = _("not dispatched within %(minutes)d minutes") % {"minutes": rules.dispatch_minutes}
    else:
        what = _("the technician did not arrive within %(minutes)d minutes") % {"minutes": rules.arrival_minutes}
    # A note, not a BREACH event: the breach itself is recorded (and counted) once, when the late step happens.
    _event(
        order,
        WorkOrderEvent.Kind.NOTE,
        _("Promise breached (%(what)s): the housekeeper and the office manager were alerted.") % {"what": what},
        public=False,
        at=now,
    )
    notify(
        _breach_recipients(order),
        "workorder.breach",
        _context(order, what=what),
        url=reverse("workorders_board:detail", args=[order.pk]),
    )


def alert_breach(order_id: int, kind: str, now=None) -> bool:
    """Alert one breach once (returns whether it did): the claim on the order's alert stamp makes it idempotent."""
    now = now or timezone.now()
    if kind == BREACH_DISPATCH:
        pending = {"status": S.NEW, "dispatched_at__isnull": True, "dispatch_due_at__lt": now}
        stamp = "dispatch_alerted_at"
    elif kind == BREACH_ARRIVAL:
        pending = {"status__in": (S.DISPATCHED, S.ON_THE_WAY), "arrival_due_at__lt": now}
        stamp = "arrival_alerted_at"
    else:
        raise ValueError(kind)
    with transaction.atomic():
        claimed = WorkOrder.objects.filter(pk=order_id, **pending, **{f"{stamp}__isnull": True}).update(**{stamp: now})
        if not claimed:
            return False
        order = WorkOrder.objects.select_related("office", "grid__housekeeper", "housekeeper").get(pk=order_id)
        _send_breach_alert(order, kind, now)
    return True


def alert_breaches(now=None) -> int:
    return sum(alert_breach(pk, kind, now) for pk, kind in breached_orders(now))
