"""Every state change of the special services: one function per move of an order.

Money is Decimal through ``commerce.money``. A paid order becomes a one-off bill on the household
account (``issue_charge`` with ``source="services:order:<id>"``); the resident either leaves it there
(charge to the household) or pays it online at once; a cancellation calls ``cancel_charge`` with the
part the service's policy keeps.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.billing import one_off
from commerce.billing.models import ChargeItem
from commerce.marketplace.models import MerchantMember
from commerce.money import format_money, parse_amount, round_money
from notifications.services import notify
from portal.access import may_act_in_office, office_ids_with_role, resident_units
from portal.people.models import ResidentMembership, StaffMembership, StaffRole
from portal.properties import household_search
from portal.properties.models import Unit

from .models import (
    HeldSlot,
    Provider,
    ProviderSlot,
    Service,
    ServiceOption,
    ServiceOrder,
    ServiceOrderEvent,
    ServiceOrderOption,
    plain,
)

ORDER_ROLES = (StaffRole.OFFICE_MANAGER, StaffRole.FRONT_DESK, StaffRole.HOUSEKEEPER)
CATALOGUE_ROLES = (StaffRole.OFFICE_MANAGER,)
CHARGE_ITEM_CODE = "service"
SOURCE_APP = "services"
DAYS_AHEAD = 14
Status = ServiceOrder.Status
PaymentMethod = ServiceOrder.Payment
Channel = ServiceOrder.Channel
ONE = Decimal("1")
TENTH = Decimal("0.1")


# --- the catalogue --------------------------------------------------------------------------


def services_for_unit(unit) -> QuerySet[Service]:
    """Active services of the unit's office offered in its community (no area means every community)."""
    community = unit.building.community
    return (
        Service.objects.filter(office_id=community.office_id, active=True, category__active=True)
        .filter(Q(communities=community) | Q(communities__isnull=True))
        .distinct()
        .select_related("category")
        .prefetch_related("photos__image", "options")
    )


def posted_price(service: Service) -> str:
    """The price as posted in the menu: “¥80.00 / hour”, “¥150.00”, or “quote on request”."""
    if service.is_quote:
        return _("Quote on request")
    price = format_money(service.price)
    per = {
        Service.PriceModel.PER_HOUR: _("%(price)s / hour"),
        Service.PriceModel.PER_M2: _("%(price)s / m²"),
        Service.PriceModel.PER_ITEM: _("%(price)s / item"),
    }.get(service.price_model)
    return per % {"price": price} if per else price


def parse_quantity(service: Service, value) -> Decimal:
    """The quantity the resident asked for, checked against the service's range (1 for fixed and quote)."""
    if not service.has_quantity:
        return ONE
    try:
        quantity = Decimal(str(value).strip())
    except (InvalidOperation, TypeError):
        raise ValidationError(_("Enter the quantity as a number, such as 2 or 2.5."), code="quantity") from None
    if not quantity.is_finite() or quantity <= 0:
        raise ValidationError(_("The quantity must be more than zero."), code="quantity")
    if quantity != quantity.quantize(TENTH):
        raise ValidationError(_("The quantity may have at most one decimal place."), code="quantity")
    if not service.min_quantity <= quantity <= service.max_quantity:
        raise ValidationError(
            _("This service is ordered in quantities from %(min)s to %(max)s %(unit)s.")
            % {
                "min": plain(service.min_quantity),
                "max": plain(service.max_quantity),
                "unit": service.quantity_label,
            },
            code="quantity",
        )
    return quantity


def chosen_options(service: Service, option_ids) -> list[ServiceOption]:
    ids = {str(i) for i in option_ids or ()}
    options = [o for o in service.options.all() if str(o.pk) in ids]
    if len(options) != len(ids):
        raise ValidationError(_("One of the chosen options is not offered with this service."), code="option")
    return options


def compute_price(service: Service, quantity: Decimal, options=()) -> Decimal | None:
    """The price of an order: posted price (× quantity) plus the options; ``None`` for quote on request."""
    if service.is_quote:
        return None
    extras = sum((o.price for o in options), Decimal("0"))
    base = service.price * quantity if service.has_quantity else service.price
    return round_money(base + extras)


# --- time slots -----------------------------------------------------------------------------


def slot_starts(service: Service, day: datetime.date) -> list[datetime.datetime]:
    """The slot start times of one day (aware, local time); none on a day the service is not offered."""
    if day.weekday() not in service.weekday_numbers():
        return []
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, service.day_start, tzinfo=tz)
    end = datetime.datetime.combine(day, service.day_end, tzinfo=tz)
    step = datetime.timedelta(minutes=service.slot_minutes)
    starts = []
    while start + step <= end:
        starts.append(start)
        start += step
    return starts


def earliest_start(service: Service, now=None) -> datetime.datetime:
    return (now or timezone.now()) + datetime.timedelta(hours=service.lead_hours)


def _providers(service: Service) -> list[Provider]:
    return list(service.providers.filter(active=True).order_by("pk"))


def job_minutes(service: Service, quantity=None) -> int:
    """How long a job takes, in whole slots: hours ordered for a per-hour service, else one slot."""
    step = service.slot_minutes
    if service.price_model != Service.PriceModel.PER_HOUR:
        return step
    quantity = service.min_quantity if quantity is None else quantity
    minutes = int((Decimal(quantity) * 60).to_integral_value(rounding=ROUND_CEILING))
    return max(1, -(-minutes // step)) * step


def occupied_starts(service: Service, start: datetime.datetime, quantity=None) -> list[datetime.datetime]:
    """The slot starts a job from ``start`` occupies (09:00 for 3 hours in 1-hour slots: 09, 10 and 11)."""
    step = datetime.timedelta(minutes=service.slot_minutes)
    return [start + step * n for n in range(job_minutes(service, quantity) // service.slot_minutes)]


def _fits_the_day(service: Service, start: datetime.datetime, quantity=None) -> bool:
    local = timezone.localtime(start)
    day_end = datetime.datetime.combine(local.date(), service.day_end, tzinfo=local.tzinfo)
    return local + datetime.timedelta(minutes=job_minutes(service, quantity)) <= day_end


def free_capacity(service: Service, starts, quantity=None) -> dict[datetime.datetime, int]:
    """Jobs still open per slot start for a job of ``quantity``: per provider, the least free capacity
    over every slot the job would occupy (a job must stay with one provider from start to end)."""
    providers = _providers(service)
    spans = {start: occupied_starts(service, start, quantity) for start in starts}
    wanted = {s for span in spans.values() for s in span}
    booked = {}
    for row in ProviderSlot.objects.filter(provider__in=providers, start__in=list(wanted)):
        booked[(row.provider_id, row.start)] = row.booked
    return {
        start: sum(max(min(p.capacity_per_slot - booked.get((p.pk, s), 0) for s in span), 0) for p in providers)
        for start, span in spans.items()
    }


@dataclass
class SlotChoice:
    start: datetime.datetime
    free: int


def available_slots(service: Service, *, now=None, days: int = DAYS_AHEAD, quantity=None) -> list[SlotChoice]:
    """Bookable slots of the next ``days`` days: after the lead time, with a provider free for the whole job."""
    now = now or timezone.now()
    first = earliest_start(service, now)
    today = timezone.localdate(now)
    starts = [
        s
        for d in range(days + 1)
        for s in slot_starts(service, today + datetime.timedelta(days=d))
        if s >= first and _fits_the_day(service, s, quantity)
    ]
    free = free_capacity(service, starts, quantity)
    return [SlotChoice(s, free[s]) for s in starts if free[s] > 0]


def parse_slot(value) -> datetime.datetime:
    """A slot posted by the form (ISO text) as an aware datetime."""
    try:
        start = datetime.datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise ValidationError(_("Choose a time slot from the list."), code="slot") from None
    if timezone.is_naive(start):
        start = timezone.make_aware(start)
    return start


def check_slot(service: Service, start: datetime.datetime, now=None, quantity=None) -> None:
    """Refuse a slot in the past, inside the lead time, outside the service's days and hours, or a job
    that would run past the end of the service's day."""
    now = now or timezone.now()
    if start <= now:
        raise ValidationError(_("That time slot is in the past; choose a later one."), code="past")
    local = timezone.localtime(start)
    if local not in slot_starts(service, local.date()):
        raise ValidationError(
            _("This service is not offered at that time; choose one of the listed slots."), code="unavailable"
        )
    if start < earliest_start(service, now):
        raise ValidationError(
            _("This service must be booked at least %(hours)d hours ahead; choose a later slot.")
            % {"hours": service.lead_hours},
            code="lead",
        )
    if not _fits_the_day(service, start, quantity):
        raise ValidationError(
            _("The job would run past %(end)s, when the service's day ends; choose an earlier slot or fewer hours.")
            % {"end": service.day_end.strftime("%H:%M")},
            code="too_long",
        )


def _reserve(service: Service, starts: list[datetime.datetime]) -> tuple[Provider, list[ProviderSlot]]:
    """Hold one job of one provider in every slot of ``starts``.

    The rows are created and locked in one order (provider, start) so that overlapping bookings queue
    instead of deadlocking; the CHECK constraint (booked <= capacity) is the last line under any race.
    """
    providers = _providers(service)
    if not providers:
        raise ValidationError(_("No provider delivers this service at the moment."), code="no_provider")
    ProviderSlot.objects.bulk_create(
        [ProviderSlot(provider=p, start=s, capacity=p.capacity_per_slot) for p in providers for s in sorted(starts)],
        ignore_conflicts=True,
    )
    rows = ProviderSlot.objects.select_for_update().filter(provider__in=providers, start__in=starts)
    by_provider: dict[int, list[ProviderSlot]] = {}
    for slot in rows.order_by("provider_id", "start"):
        by_provider.setdefault(slot.provider_id, []).append(slot)
    for provider in providers:
        slots = by_provider.get(provider.pk, [])
        if len(slots) == len(starts) and all(s.booked < provider.capacity_per_slot for s in slots):
            ProviderSlot.objects.filter(pk__in=[s.pk for s in slots]).update(
                booked=F("booked") + 1, capacity=provider.capacity_per_slot
            )
            return provider, slots
    if len(starts) > 1:
        raise ValidationError(
            _("No provider is free for the whole job from that slot; choose another slot or fewer hours."),
            code="full",
        )
    raise ValidationError(_("That time slot has just been fully booked; choose another one."), code="full")


def _release(order: ServiceOrder) -> None:
    """Give back every slot the order holds (once: ``slot_released``)."""
    if order.provider_id and not order.slot_released:
        held = HeldSlot.objects.filter(order=order).values("slot_id")
        ProviderSlot.objects.filter(pk__in=held, booked__gt=0).update(booked=F("booked") - 1)
        order.slot_released = True


# --- helpers --------------------------------------------------------------------------------


def _move(order: ServiceOrder, status: str, actor, note: str = "", fields=()) -> ServiceOrder:
    """Change the status along TRANSITIONS and write the history row (inside the caller's transaction)."""
    order.check_transition(status)
    old = order.status
    order.status = status
    order.save(update_fields=["status", "updated_at", *fields])
    ServiceOrderEvent.objects.create(
        order=order,
        from_status=old,
        to_status=status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note[:500],
    )
    return order


def _locked(order: ServiceOrder) -> ServiceOrder:
    return (
        ServiceOrder.objects.select_for_update().select_related("service", "unit__building__community").get(pk=order.pk)
    )


def _residents_of(order: ServiceOrder) -> list:
    """Who hears about the order: the resident who ordered, or every resident of a household the desk ordered for."""
    if order.channel == Channel.ONLINE:
        return [order.ordered_by]
    return [m.user for m in ResidentMembership.objects.active().filter(unit_id=order.unit_id).select_related("user")]


def _firm_staff(order: ServiceOrder) -> list:
    """The people of the order's outside firm who use the merchant dashboard."""
    merchant_id = order.provider.merchant_id if order.provider_id else None
    if merchant_id is None:
        return []
    members = MerchantMember.objects.filter(merchant_id=merchant_id, active=True, user__is_active=True)
    return [m.user for m in members.select_related("user")]


def _office_staff(order: ServiceOrder) -> list:
    memberships = StaffMembership.objects.active().filter(office_id=order.office_id, role__in=ORDER_ROLES)
    return [m.user for m in memberships.select_related("user")]


def _context(order: ServiceOrder) -> dict:
    local = timezone.localtime(order.slot_start)
    return {
        "ref": order.reference,
        "service": order.service.name,
        "slot": f"{local:%Y-%m-%d %H:%M}",
        "unit": str(order.unit),
        "amount": format_money(order.amount) if order.amount is not None else "",
    }


def _tell(recipients, event: str, order: ServiceOrder, url: str, **extra) -> None:
    # Inside the caller's transaction: a rolled-back change tells nobody.
    notify(recipients, event, {**_context(order), **extra}, url=url)


def resident_url(order) -> str:
    return reverse("services_catalog:order", args=[order.pk])


def staff_url(order) -> str:
    return reverse("services_orders:detail", args=[order.pk])


def firm_url(order) -> str:
    return reverse("services_catalog:firm_order", args=[order.provider.merchant_id, order.pk])


def jobs_url(order) -> str:
    return reverse("services_catalog:job", args=[order.pk])


def _require_resident(user, order: ServiceOrder) -> None:
    if not resident_units(user).filter(pk=order.unit_id).exists():
        raise PermissionDenied(_("This order belongs to another household."))


def may_handle_orders(user, office) -> bool:
    return may_act_in_office(user, ORDER_ROLES, office)


def _require_staff(user, order: ServiceOrder) -> None:
    if not may_handle_orders(user, order.office_id):
        raise PermissionDenied(_("You cannot handle service orders of this office."))


def service_charge_item(office) -> ChargeItem:
    """The office's one-off charge item for special services (made on first use)."""
    item, _created = ChargeItem.objects.get_or_create(
        office=office,
        code=CHARGE_ITEM_CODE,
        defaults={"name": _("Special services"), "kind": ChargeItem.Kind.ONE_OFF, "cycle": ChargeItem.Cycle.ONCE},
    )
    return item


def source_of(order: ServiceOrder) -> str:
    return f"{SOURCE_APP}:order:{order.pk}"


# --- ordering -------------------------------------------------------------------------------


def place_order(
    user,
    unit,
    service: Service,
    *,
    slot_start: datetime.datetime,
    quantity=ONE,
    option_ids=(),
    note: str = "",
    payment_method: str = "",
    request_key: str,
    now=None,
) -> ServiceOrder:
    """A resident orders a service for their household in a slot: priced at once, or a quote request.

    Exactly once per ``request_key`` (a double submit returns the first order). A priced order is
    charged at once: to the household account (confirmed) or for paying online (awaiting payment).
    """
    if not resident_units(user).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("You can only order for your own household."))
    return _place(
        user,
        unit,
        service,
        slot_start=slot_start,
        quantity=quantity,
        option_ids=option_ids,
        note=note,
        payment_method=payment_method,
        request_key=request_key,
        channel=Channel.ONLINE,
        now=now,
    )


def place_order_for_resident(
    staff,
    unit,
    service: Service,
    *,
    channel: str,
    slot_start: datetime.datetime,
    quantity=ONE,
    option_ids=(),
    note: str = "",
    payment_method: str = "",
    request_key: str,
    now=None,
) -> ServiceOrder:
    """The front desk orders for a household that phoned or walked in.

    Charged to the household account (confirmed at once), or left for the residents to pay online
    from their order page within ``SERVICES_DESK_UNPAID_MINUTES``.
    """
    if not may_handle_orders(staff, unit.building.community.office_id):
        raise PermissionDenied(_("You cannot take service orders for this household's office."))
    if channel not in (Channel.PHONE, Channel.WALK_IN):
        raise ValidationError(_("Say whether the resident phoned or came in."), code="channel")
    return _place(
        staff,
        unit,
        service,
        slot_start=slot_start,
        quantity=quantity,
        option_ids=option_ids,
        note=note,
        payment_method=payment_method,
        request_key=request_key,
        channel=channel,
        now=now,
    )


def unpaid_minutes(channel: str) -> int:
    """How long an online payment may wait (settings; a desk order gives the resident longer)."""
    if channel == Channel.ONLINE:
        return settings.SERVICES_UNPAID_MINUTES
    return settings.SERVICES_DESK_UNPAID_MINUTES


def _place(
    user, unit, service, *, slot_start, quantity, option_ids, note, payment_method, request_key, channel, now
) -> ServiceOrder:
    if not services_for_unit(unit).filter(pk=service.pk).exists():
        raise ValidationError(_("This service is not offered in your community."), code="area")
    quantity = parse_quantity(service, quantity)
    options = chosen_options(service, option_ids)
    check_slot(service, slot_start, now, quantity)
    if not service.is_quote:
        _check_method(service, payment_method)
    amount = compute_price(service, quantity, options)
    request_key = (request_key or "").strip()[:64]
    if not request_key:
        raise ValidationError(_("The form has expired; reload the page and try again."), code="key")
    starts = occupied_starts(service, slot_start, quantity)
    try:
        with transaction.atomic():
            provider, slots = _reserve(service, starts)
            status = _first_status(service, payment_method)
            try:
                with transaction.atomic():
                    order = ServiceOrder.objects.create(
                        office_id=service.office_id,
                        service=service,
                        unit=unit,
                        ordered_by=user,
                        channel=channel,
                        request_key=request_key,
                        slot_start=slot_start,
                        slot_end=slot_start + datetime.timedelta(minutes=job_minutes(service, quantity)),
                        provider=provider,
                        price_model=service.price_model,
                        unit_price=service.price,
                        quantity=quantity,
                        options_total=sum((o.price for o in options), Decimal("0")),
                        amount=amount,
                        note=(note or "").strip()[:500],
                        status=status,
                        payment_method="" if service.is_quote else payment_method,
                        pay_by=_pay_by(channel, slot_start) if status == Status.AWAITING_PAYMENT else None,
                    )
            except IntegrityError:
                raise _Duplicate from None
            HeldSlot.objects.bulk_create(HeldSlot(order=order, slot=slot) for slot in slots)
            ServiceOrderOption.objects.bulk_create(
                ServiceOrderOption(order=order, option=o, name=o.name, price=o.price) for o in options
            )
            ServiceOrderEvent.objects.create(order=order, to_status=order.status, actor=user, note=_event_note(order))
            if service.is_quote:
                _tell(_office_staff(order), "services.quote_requested", order, staff_url(order))
            else:
                _charge(order, payment_method, user)
                _after_charge(order)
    except _Duplicate:
        first = ServiceOrder.objects.filter(request_key=request_key, ordered_by=user).first()
        if first is None:
            raise ValidationError(_("The form has expired; reload the page and try again."), code="key") from None
        return first
    return order


def _pay_by(channel: str, slot_start: datetime.datetime, now=None) -> datetime.datetime:
    deadline = (now or timezone.now()) + datetime.timedelta(minutes=unpaid_minutes(channel))
    return min(deadline, slot_start)


def _event_note(order: ServiceOrder) -> str:
    if order.channel == Channel.ONLINE:
        return order.note
    taken = _("Taken by the front desk (%(channel)s).") % {"channel": order.get_channel_display()}
    return f"{taken} {order.note}".strip()


class _Duplicate(Exception):
    pass


def _check_method(service: Service, method: str) -> None:
    if method not in PaymentMethod.values:
        raise ValidationError(_("Choose how to pay."), code="method")
    if method == PaymentMethod.HOUSEHOLD and not service.allow_household_charge:
        raise ValidationError(_("This service cannot be charged to the household account; pay online."), code="method")


def _first_status(service: Service, method: str) -> str:
    if service.is_quote:
        return Status.QUOTE_REQUESTED
    return Status.CONFIRMED if method == PaymentMethod.HOUSEHOLD else Status.AWAITING_PAYMENT


def _charge(order: ServiceOrder, method: str, user) -> None:
    """Post the order's price to the household account as a one-off bill (once per order)."""
    order.payment_method = method
    order.bill = one_off.issue_charge(
        order.unit,
        service_charge_item(order.office),
        order.amount,
        key=f"services:order:{order.pk}",
        note=_("%(service)s, order %(ref)s") % {"service": order.service.name, "ref": order.reference},
        by=user,
        quantity=order.quantity,
        unit_price=order.unit_price,
        source=source_of(order),
    )
    order.save(update_fields=["payment_method", "bill", "updated_at"])


def _after_charge(order: ServiceOrder) -> None:
    if order.status == Status.CONFIRMED:
        _tell_confirmed(order)
        return
    if order.channel != Channel.ONLINE:
        pay_by = f"{timezone.localtime(order.pay_by):%Y-%m-%d %H:%M}"
        _tell(_residents_of(order), "services.to_pay", order, resident_url(order), pay_by=pay_by)
    # A prepayment balance may already have settled the bill.
    transaction.on_commit(lambda: sync_payment(order))


def _settle(order: ServiceOrder, method: str, user) -> None:
    """An accepted quote: charge it; confirmed now (household account) or when the online payment lands."""
    _charge(order, method, user)
    if method == PaymentMethod.HOUSEHOLD:
        _move(order, Status.CONFIRMED, user, _("Charged to the household account."))
    else:
        order.pay_by = _pay_by(order.channel, order.slot_start)
        _move(order, Status.AWAITING_PAYMENT, user, fields=("pay_by",))
    _after_charge(order)


def _tell_confirmed(order: ServiceOrder) -> None:
    _tell(_residents_of(order), "services.confirmed", order, resident_url(order))
    _tell(_office_staff(order), "services.to_assign", order, staff_url(order))
    firm = _firm_staff(order)
    if firm:
        _tell(firm, "services.firm_to_assign", order, firm_url(order), provider=order.provider.name)


def _confirm(order: ServiceOrder, actor, note: str) -> None:
    _move(order, Status.CONFIRMED, actor, note)
    _tell_confirmed(order)


def start_online_payment(user, order: ServiceOrder, *, gateway: str = ""):
    """The Payment for the order's bill (the view sends the resident to the gateway)."""
    from commerce.payments import services as payments

    _require_resident(user, order)
    if order.status != Status.AWAITING_PAYMENT or order.bill is None:
        raise ValidationError(_("This order is not waiting for a payment."), code="not_due")
    return payments.pay_online(user, order.unit, [order.bill], gateway=gateway)


def bill_paid(bill) -> None:
    """Hook from payments: the order's bill is paid in full, so the order is confirmed (idempotent)."""
    for order in ServiceOrder.objects.filter(bill=bill, status=Status.AWAITING_PAYMENT):
        with transaction.atomic():
            order = _locked(order)
            if order.status == Status.AWAITING_PAYMENT:
                _confirm(order, None, _("Paid online."))


def sync_payment(order: ServiceOrder) -> ServiceOrder:
    """Confirm an order whose bill is paid even if the hook has not run yet (e.g. settled by a prepayment)."""
    from commerce.payments.services import outstanding

    if order.status == Status.AWAITING_PAYMENT and order.bill_id and outstanding(order.bill) <= 0:
        bill_paid(order.bill)
        order.refresh_from_db()
    return order


# --- quotes ---------------------------------------------------------------------------------


def answer_quote(staff, order: ServiceOrder, amount, note: str = "") -> ServiceOrder:
    _require_staff(staff, order)
    amount = parse_amount(amount) if isinstance(amount, str) else round_money(Decimal(amount))
    if amount <= 0:
        raise ValidationError(_("The quoted price must be more than zero."), code="amount")
    with transaction.atomic():
        order = _locked(order)
        order.amount, order.quote_note = amount, (note or "").strip()[:500]
        _move(order, Status.QUOTED, staff, order.quote_note, ("amount", "quote_note"))
        _tell(_residents_of(order), "services.quoted", order, resident_url(order))
    return order


def accept_quote(user, order: ServiceOrder, payment_method: str) -> ServiceOrder:
    _require_resident(user, order)
    with transaction.atomic():
        order = _locked(order)
        if order.status != Status.QUOTED:
            raise ValidationError(_("There is no quote to accept on this order."), code="not_quoted")
        if order.slot_start <= timezone.now():
            raise ValidationError(
                _("The time slot of this quote has passed; cancel it and book a new slot."), code="past"
            )
        _check_method(order.service, payment_method)
        _settle(order, payment_method, user)
    return order


# --- delivery -------------------------------------------------------------------------------


def provider_people(order: ServiceOrder):
    """Who may do the job: the provider's people, and for a merchant firm its active dashboard users."""
    User = get_user_model()
    if order.provider_id is None:
        return User.objects.none()
    who = Q(service_providers=order.provider)
    if order.provider.merchant_id:
        who |= Q(merchant_memberships__merchant_id=order.provider.merchant_id, merchant_memberships__active=True)
    return User.objects.filter(who, is_active=True).distinct().order_by("full_name")


def is_firm_member(user, order: ServiceOrder) -> bool:
    """The user works for the merchant firm the order is assigned to."""
    merchant_id = order.provider.merchant_id if order.provider_id else None
    return bool(
        merchant_id
        and getattr(user, "is_authenticated", False)
        and MerchantMember.objects.filter(merchant_id=merchant_id, user=user, active=True).exists()
    )


def _require_staff_or_firm(user, order: ServiceOrder) -> None:
    if not (may_handle_orders(user, order.office_id) or is_firm_member(user, order)):
        raise PermissionDenied(_("You cannot handle service orders of this office."))


def assign(staff, order: ServiceOrder, person) -> ServiceOrder:
    """The office or the provider firm names the person who does the job (again to reassign before it starts)."""
    _require_staff_or_firm(staff, order)
    with transaction.atomic():
        order = _locked(order)
        if person is None or not provider_people(order).filter(pk=person.pk).exists():
            raise ValidationError(
                _("Choose a person of the provider %(provider)s.") % {"provider": order.provider}, code="person"
            )
        order.assignee = person
        _move(order, Status.ASSIGNED, staff, str(person), ("assignee",))
        _tell([person], "services.job_assigned", order, jobs_url(order))
        _tell(_residents_of(order), "services.assigned", order, resident_url(order), person=str(person))
    return order


def _require_doer(user, order: ServiceOrder) -> None:
    if not (
        order.assignee_id == getattr(user, "pk", None)
        or may_handle_orders(user, order.office_id)
        or is_firm_member(user, order)
    ):
        raise PermissionDenied(_("Only the assigned person, their firm or the office can update this job."))


def mark_started(user, order: ServiceOrder) -> ServiceOrder:
    with transaction.atomic():
        order = _locked(order)
        _require_doer(user, order)
        _move(order, Status.STARTED, user)
        _tell(_residents_of(order), "services.started", order, resident_url(order))
    return order


def mark_finished(user, order: ServiceOrder, note: str = "") -> ServiceOrder:
    with transaction.atomic():
        order = _locked(order)
        _require_doer(user, order)
        _move(order, Status.FINISHED, user, note or "")
        _tell(_residents_of(order), "services.finished", order, resident_url(order))
    return order


def confirm_and_rate(user, order: ServiceOrder, rating, comment: str = "") -> ServiceOrder:
    _require_resident(user, order)
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError(_("Rate the service from 1 to 5 stars."), code="rating")
    with transaction.atomic():
        order = _locked(order)
        order.rating, order.rating_comment = rating, (comment or "").strip()[:500]
        _move(order, Status.COMPLETED, user, order.rating_comment, ("rating", "rating_comment"))
        _tell(
            _office_staff(order) + ([order.assignee] if order.assignee else []),
            "services.rated",
            order,
            staff_url(order),
            rating=rating,
        )
    return order


# --- cancellation ---------------------------------------------------------------------------


def cancellation_fee(order: ServiceOrder, now=None) -> Decimal:
    """What the service's policy keeps if the resident cancels now: nothing before the free deadline."""
    if not order.amount or order.bill_id is None:
        return Decimal("0.00")
    deadline = order.slot_start - datetime.timedelta(hours=order.service.free_cancel_hours)
    if (now or timezone.now()) <= deadline:
        return Decimal("0.00")
    return round_money(order.amount * order.service.late_cancel_keep_percent / Decimal(100))


def cancel_by_resident(user, order: ServiceOrder, reason: str = "", now=None) -> ServiceOrder:
    _require_resident(user, order)
    return _cancel(order, user, reason or _("Cancelled by the resident"), keep=cancellation_fee(order, now))


def cancel_by_staff(staff, order: ServiceOrder, reason: str) -> ServiceOrder:
    """The office cancels (or rejects) an order: everything paid is refunded."""
    _require_staff(staff, order)
    if not (reason or "").strip():
        raise ValidationError(_("Say why the order is cancelled; the resident sees it."), code="reason")
    return _cancel(order, staff, reason.strip(), keep=Decimal("0.00"))


def _cancel(order: ServiceOrder, actor, reason: str, keep: Decimal) -> ServiceOrder:
    with transaction.atomic():
        order = _locked(order)
        order.check_transition(Status.CANCELLED)
        if order.bill_id:
            order.bill = one_off.cancel_charge(order.bill, reason=reason, by=actor, keep=keep)
        order.cancel_reason, order.kept_on_cancel = reason[:300], keep if order.bill_id else None
        _release(order)
        _move(order, Status.CANCELLED, actor, reason, ("cancel_reason", "kept_on_cancel", "slot_released"))
        recipients = _residents_of(order) + _office_staff(order) + ([order.assignee] if order.assignee else [])
        _tell(recipients, "services.cancelled", order, resident_url(order), reason=reason)
    return order


def expire_unpaid(now=None) -> int:
    """Cancel online orders not paid by their ``pay_by`` time, giving back every slot they held.

    The window is ``SERVICES_UNPAID_MINUTES`` for a resident's own order and ``SERVICES_DESK_UNPAID_MINUTES``
    for one the front desk left for the residents to pay (never past the slot). An order whose payment
    is pending at the gateway is left alone; it is confirmed or released when it settles.
    """
    from commerce.payments.models import Payment

    stale = ServiceOrder.objects.filter(status=Status.AWAITING_PAYMENT, pay_by__lt=now or timezone.now())
    expired = 0
    for order in stale.select_related("bill"):
        if sync_payment(order).status != Status.AWAITING_PAYMENT:
            continue
        if Payment.objects.filter(status=Payment.Status.PENDING, requested_bills=order.bill_id).exists():
            continue
        _cancel(order, None, _("Not paid in time."), Decimal("0"))
        expired += 1
    return expired


# --- lists ----------------------------------------------------------------------------------


def orders_for_resident(user) -> QuerySet[ServiceOrder]:
    return ServiceOrder.objects.filter(unit__in=resident_units(user)).select_related(
        "service", "unit__building__community", "assignee"
    )


def orders_for_firm(merchant) -> QuerySet[ServiceOrder]:
    """The service orders of the providers linked to a marketplace merchant (its own, never another's)."""
    return ServiceOrder.objects.filter(provider__merchant=merchant).select_related(
        "service", "unit__building__community", "provider", "assignee"
    )


def jobs_for(user) -> QuerySet[ServiceOrder]:
    return ServiceOrder.objects.filter(assignee=user).select_related("service", "unit__building__community")


def orders_for_staff(user) -> QuerySet[ServiceOrder]:
    qs = ServiceOrder.objects.select_related("service", "unit__building__community", "provider", "assignee")
    ids = office_ids_with_role(user, ORDER_ROLES)
    return qs if ids is None else qs.filter(office_id__in=ids)


def desk_units(user) -> QuerySet:
    """The households whose office the user takes service orders for."""
    units = Unit.objects.select_related("building__community")
    ids = office_ids_with_role(user, ORDER_ROLES)
    return units if ids is None else units.filter(building__community__office_id__in=ids)


def find_units(user, query: str, limit: int = 20) -> list:
    """The front desk's household search (``portal.properties.household_search``) over the desk's offices,
    each unit with the names of the people living there."""
    units = household_search.search(desk_units(user), query, limit)
    names = household_search.resident_names(units)
    for unit in units:
        unit.resident_names = names[unit.pk]
    return units


def staff_may_see_orders(user) -> bool:
    ids = office_ids_with_role(user, ORDER_ROLES)
    return ids is None or bool(ids)
