"""Back-office screens: the dispatch board, one order, recording a caller's request, and the KPI report.

Front desk, housekeepers and managers of an office (and headquarters) use them; everything listed
or touched is limited to those offices, and another office's order is a 404.
"""

from __future__ import annotations

import csv
import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from portal.access import scope_to_offices, staff_offices
from portal.properties.models import Building, Grid, Unit

from . import access, forms, kpis, services, unit_search
from .models import ServiceSettings, WorkOrder, WorkOrderPhoto

S = WorkOrder.Status
BOARD_COLUMNS = [S.NEW, S.DISPATCHED, S.ON_THE_WAY, S.ON_SITE, S.AWAITING_ACCEPTANCE, S.RETURN_VISIT, S.CLOSED]
CLOSED_SHOWN_DAYS = 7
PER_COLUMN = 60


class BoardStaffMixin(WagtailAdminTemplateMixin):
    header_icon = "clipboard-list"

    def dispatch(self, request, *args, **kwargs):
        if not access.may_use_board(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def board_offices(self):
        ids = access.board_office_ids(self.request.user)
        offices = staff_offices(self.request.user)
        return offices if ids is None else offices.filter(pk__in=ids)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class BoardView(BoardStaffMixin, TemplateView):
    template_name = "workorders/admin/board.html"
    page_title = gettext_lazy("Dispatch board")

    def get_context_data(self, **kwargs):
        user, params = self.request.user, self.request.GET
        now = timezone.now()
        orders = access.scope_board(user, WorkOrder.objects.all()).select_related(
            "unit__building", "building", "grid", "technician", "housekeeper", "office"
        )
        offices = list(self.board_offices())
        office_id = _int(params.get("office"))
        if office_id is not None:
            orders = orders.filter(office_id=office_id)
        grid_id, technician_id = _int(params.get("grid")), _int(params.get("technician"))
        if grid_id is not None:
            orders = orders.filter(grid_id=grid_id)
        if params.get("queue") == "1":
            orders = orders.filter(housekeeper__isnull=True)
        category = params.get("category", "")
        if category in WorkOrder.Category.values:
            orders = orders.filter(category=category)
        if technician_id is not None:
            orders = orders.filter(technician_id=technician_id)
        orders = orders.filter(
            Q(status__in=WorkOrder.OPEN)
            | Q(status=S.CLOSED, closed_at__gte=now - datetime.timedelta(days=CLOSED_SHOWN_DAYS))
        ).order_by("received_at")
        overdue_only = params.get("overdue") == "1"
        columns = {status: [] for status in BOARD_COLUMNS}
        breaches = {"dispatch": 0, "arrival": 0, "promise": 0}
        for order in orders:
            order.flag_dispatch = order.dispatch_overdue(now)
            order.flag_arrival = order.arrival_overdue(now)
            order.flag_promise = order.promise_overdue(now)
            order.flag_any = order.flag_dispatch or order.flag_arrival or order.flag_promise or bool(order.escalated_at)
            if overdue_only and not (order.flag_any and order.is_open):
                continue
            breaches["dispatch"] += order.flag_dispatch
            breaches["arrival"] += order.flag_arrival
            breaches["promise"] += order.flag_promise and order.is_open
            if len(columns[order.status]) < PER_COLUMN:
                columns[order.status].append(order)
        office_ids = [o.pk for o in offices]
        grids = Grid.objects.filter(community__office_id__in=office_ids).select_related("community")
        technicians = forms.User.objects.filter(
            staff_memberships__office_id__in=office_ids, staff_memberships__role="technician"
        ).distinct()
        return super().get_context_data(
            columns=[(S(status).label, status, columns[status]) for status in BOARD_COLUMNS],
            breaches=breaches,
            offices=offices,
            grids=grids,
            technicians=technicians,
            categories=WorkOrder.Category.choices,
            filters={
                "office": office_id,
                "grid": grid_id,
                "technician": technician_id,
                "category": category,
                "overdue": overdue_only,
                "queue": params.get("queue") == "1",
            },
            **kwargs,
        )


ACTIONS = {
    "dispatch": forms.DispatchForm,
    "reassign": forms.ReassignForm,
    "postpone": forms.PostponeForm,
    "answer": forms.AnswerForm,
    "return-visit": forms.ReturnVisitForm,
}


class OrderView(BoardStaffMixin, TemplateView):
    template_name = "workorders/admin/order.html"

    def get_page_title(self):
        return _("Work order %(ref)s") % {"ref": self.order.reference}

    def dispatch(self, request, *args, **kwargs):
        self.order = None
        if access.may_use_board(request.user):
            self.order = access.get_board_order_or_404(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def _form(self, name, data=None):
        form_class = ACTIONS[name]
        if name in ("dispatch", "reassign"):
            return form_class(data, office_id=self.order.office_id, prefix=name)
        return form_class(data, prefix=name)

    def get_context_data(self, **kwargs):
        order, now = self.order, timezone.now()
        photos = list(order.photos.all())
        forms_ = {name.replace("-", "_"): kwargs.pop(f"{name}_form", None) or self._form(name) for name in ACTIONS}
        return super().get_context_data(
            order=order,
            events=order.events.select_related("actor").order_by("at", "pk"),
            photos_by_stage=[
                (label, [p for p in photos if p.stage == stage]) for stage, label in WorkOrderPhoto.Stage.choices
            ],
            lines=order.lines.all(),
            return_visits=order.return_visits.select_related("by"),
            forms=forms_,
            flags={
                "dispatch": order.dispatch_overdue(now),
                "arrival": order.arrival_overdue(now),
                "promise": order.promise_overdue(now),
            },
            rules=ServiceSettings.for_office(order.office_id),
            may_postpone=order.status in WorkOrder.BEFORE_FINISH,
            may_dispatch=order.status in (S.NEW, S.DISPATCHED),
            may_answer=order.kind != WorkOrder.Kind.REPAIR and order.status == S.NEW,
            may_follow_up=order.status in (S.AWAITING_ACCEPTANCE, S.RETURN_VISIT),
            may_close=order.status == S.RETURN_VISIT,
            may_judge=order.kind == WorkOrder.Kind.COMPLAINT and access.may_manage(self.request.user, order.office_id),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        order, action = self.order, kwargs.get("action")
        user = request.user
        try:
            if action == "close":
                services.close(order, by=user)
                messages.success(request, _("Closed."))
                return redirect("workorders_board:detail", order.pk)
            if action in ("valid", "not-valid"):
                services.set_complaint_validity(order, by=user, valid=action == "valid")
                return redirect("workorders_board:detail", order.pk)
            if action not in ACTIONS:
                raise Http404
            form = self._form(action, request.POST)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(**{f"{action}_form": form}), status=422)
            data = form.cleaned_data
            if action == "dispatch":
                order = services.dispatch(order, by=user, technician=data["technician"])
                message = _("Dispatched to %(name)s.") % {"name": data["technician"]}
            elif action == "reassign":
                services.reassign(order, by=user, housekeeper=data["housekeeper"], reason=data["reason"])
                message = _("Reassigned to %(name)s.") % {"name": data["housekeeper"]}
            elif action == "postpone":
                until = timezone.make_aware(data["until"]) if timezone.is_naive(data["until"]) else data["until"]
                services.postpone(order, by=user, until=until, reason=data["reason"])
                message = _("Postponed; the resident is told why.")
            elif action == "answer":
                services.answer(order, by=user, reply=data["reply"], complaint_valid=data["complaint_valid"])
                message = _("Answered.")
            else:
                services.record_return_visit(order, by=user, **data)
                message = _("Return visit recorded.")
        except ValidationError as exc:
            for text in getattr(exc, "messages", [str(exc)]):
                messages.error(request, text)
            return redirect("workorders_board:detail", order.pk)
        messages.success(request, message)
        return redirect("workorders_board:detail", order.pk)


class DeskRequestView(BoardStaffMixin, FormView):
    template_name = "properties/admin/tool_form.html"
    form_class = forms.DeskRequestForm
    page_title = gettext_lazy("Record a request")
    header_icon = "plus"

    def get_form_kwargs(self):
        user = self.request.user
        ids = access.board_office_ids(user)
        units = Unit.objects.select_related("building__community")
        buildings = Building.objects.select_related("community")
        if ids is not None:
            units = units.filter(building__community__office_id__in=ids)
            buildings = buildings.filter(community__office_id__in=ids)
        return {
            **super().get_form_kwargs(),
            "units": units,
            "buildings": buildings,
            "search_url": reverse("workorders_board:units"),
            "user": user,
        }

    def get_context_data(self, **kwargs):
        form = kwargs.get("form") or self.get_form()
        kwargs["form"] = form
        return super().get_context_data(
            media=form.media,
            action_url=self.request.get_full_path(),
            submit_button_label=_("Record the request"),
            intro=_(
                "You become the request's first-contact owner: you are told of every step until it closes. "
                "It is routed to the housekeeper of the household's grid (a public area: the building's grid)."
            ),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        promised = data.get("promised_at")
        preferred = data.get("preferred_time")
        try:
            order = services.file_request(
                by=self.request.user,
                unit=data["unit"],
                building=data["building"],
                kind=data["kind"],
                area=data["area"],
                category=data["category"],
                location=data["location"],
                description=data["description"],
                preferred_time=preferred,
                photos=data["photos"],
                channel=data["channel"],
                caller_name=data["caller_name"],
                caller_phone=data["caller_phone"],
                promised_at=promised,
            )
        except (ValidationError, PermissionDenied) as exc:
            for message in getattr(exc, "messages", None) or [str(exc)]:
                form.add_error(None, message)
            return self.render_to_response(self.get_context_data(form=form), status=422)
        messages.success(self.request, _("Request %(ref)s recorded.") % {"ref": order.reference})
        return redirect("workorders_board:detail", order.pk)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)


def search_units(request):
    """Autocomplete for the desk's household picker: JSON, limited to the clerk's offices."""
    if not access.may_use_board(request.user):
        raise PermissionDenied
    units = unit_search.search(request.user, request.GET.get("q", "")[:60])
    return JsonResponse({"results": unit_search.as_json(units)})


class KpiView(BoardStaffMixin, TemplateView):
    template_name = "workorders/admin/kpis.html"
    page_title = gettext_lazy("Service KPIs")
    header_icon = "doc-full"

    def period(self):
        today = timezone.localdate()
        try:
            start = datetime.date.fromisoformat(self.request.GET.get("from", ""))
        except ValueError:
            start = today.replace(day=1)
        try:
            end = datetime.date.fromisoformat(self.request.GET.get("to", ""))
        except ValueError:
            end = today
        return (start, end) if start <= end else (end, start)

    def report(self):
        start, end = self.period()
        by = self.request.GET.get("by", "office")
        if by not in kpis.GROUPINGS:
            by = "office"
        orders = scope_to_offices(self.request.user, WorkOrder.objects.all())
        ids = access.board_office_ids(self.request.user)
        if ids is not None:
            orders = orders.filter(office_id__in=ids)
        return start, end, by, kpis.report(orders, start, end, by)

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            start, end, by, rows = self.report()
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="workorder-kpis-{start}-{end}-{by}.csv"'
            response.write("\ufeff")
            writer = csv.writer(response)
            writer.writerow([_("Group"), *[str(label) for _key, label, _target in kpis.COLUMNS]])
            for row in rows:
                writer.writerow([row["label"], *[kpis.show(row, key) for key, _label, _target in kpis.COLUMNS]])
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        start, end, by, rows = self.report()
        query = self.request.GET.copy()
        query["format"] = "csv"
        return super().get_context_data(
            start=start,
            end=end,
            by=by,
            groupings=kpis.GROUPINGS.items(),
            rows=kpis.for_display(rows),
            chart=kpis.chart_data(rows),
            columns=kpis.COLUMNS,
            csv_url=f"{reverse('workorders_board:kpis')}?{query.urlencode()}",
            **kwargs,
        )
