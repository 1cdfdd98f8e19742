"""Back-office views: batch creation, moving units between grids, imports, and the unit lookup.

The model screens themselves are Wagtail viewsets in ``wagtail_hooks.py``; these views share
their scoping: staff reach only their own offices, and the tools are for office managers and
headquarters.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.views.generic import InspectView, WagtailAdminTemplateMixin

from portal.access import get_for_staff_or_404, has_staff_role
from portal.people.models import ResidentMembership

from . import importers, services
from .forms import TOOL_ROLES, BatchCreateForm, ImportForm, MoveUnitsForm
from .models import Unit


def can_use_tools(user) -> bool:
    """Office managers (in their offices) and headquarters use the batch and import tools."""
    return has_staff_role(user, TOOL_ROLES)


class ToolView(WagtailAdminTemplateMixin, FormView):
    """A back-office form for office managers and headquarters."""

    template_name = "properties/admin/tool_form.html"
    header_icon = "cogs"
    submit_button_label = gettext_lazy("Submit")
    intro = ""
    form_takes_user = True

    def dispatch(self, request, *args, **kwargs):
        if not can_use_tools(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.form_takes_user:
            kwargs["user"] = self.request.user
        return kwargs

    def get_intro(self):
        return self.intro

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            submit_button_label=self.submit_button_label,
            action_url=self.request.get_full_path(),
            intro=self.get_intro(),
            **kwargs,
        )


class BatchCreateUnitsView(ToolView):
    form_class = BatchCreateForm
    page_title = gettext_lazy("Create units in batch")
    submit_button_label = gettext_lazy("Create units")
    intro = gettext_lazy(
        "Create every unit of a block of floors at once, e.g. floors 1–18 with 4 units a floor. "
        "If any of the numbers already exists in the building, nothing is created."
    )

    def get_initial(self):
        return {"building": self.request.GET.get("building")}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            units = services.batch_create_units(
                data["building"],
                floors=form.floors(),
                units_per_floor=data["units_per_floor"],
                areas_per_column=data["areas"],
                grid=data["grid"],
                unit_type=data["unit_type"],
                status=data["status"],
                number_format=data["number_format"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Created %(count)d units in %(building)s, numbered %(first)s to %(last)s.")
            % {"count": len(units), "building": data["building"], "first": units[0].number, "last": units[-1].number},
        )
        return redirect(reverse("properties_unit:index") + f"?building={data['building'].pk}")


class MoveUnitsView(ToolView):
    form_class = MoveUnitsForm
    page_title = gettext_lazy("Move units to another grid")
    submit_button_label = gettext_lazy("Move units")
    intro = gettext_lazy("Move the units of a building (or of some of its floors) into a grid of the same community.")

    def form_valid(self, form):
        grid = form.cleaned_data["grid"]
        units = list(form.units())
        if not units:
            form.add_error(None, _("No units of that building are on those floors."))
            return self.form_invalid(form)
        try:
            moved = services.move_units_to_grid(units, grid)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Moved %(moved)d of %(count)d units to grid %(grid)s.")
            % {"moved": moved, "count": len(units), "grid": grid},
        )
        return redirect(reverse("properties_unit:index") + f"?grid={grid.pk}")


IMPORT_TITLES = {
    "units": gettext_lazy("Import units"),
    "residents": gettext_lazy("Import residents"),
}
IMPORT_INTROS = {
    "units": gettext_lazy(
        "Each row is one unit. The community, building and grid must already exist. "
        "If any row is wrong, nothing is imported and every wrong row is listed with its line number."
    ),
    "residents": gettext_lazy(
        "Each row is one person of one unit. People are matched to existing accounts by phone or email; "
        "new people get an account without a password (they sign in by resetting it). "
        "If any row is wrong, nothing is imported and every wrong row is listed with its line number."
    ),
}


class ImportView(ToolView):
    form_class = ImportForm
    template_name = "properties/admin/import.html"
    submit_button_label = gettext_lazy("Import")
    header_icon = "upload"
    form_takes_user = False

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if kwargs["kind"] not in importers.IMPORTERS:
            raise Http404
        self.kind = kwargs["kind"]

    def get_page_title(self):
        return IMPORT_TITLES[self.kind]

    def get_intro(self):
        return IMPORT_INTROS[self.kind]

    def get_context_data(self, **kwargs):
        columns = importers.IMPORTERS[self.kind][0]
        return super().get_context_data(
            columns=columns,
            template_url=reverse("properties_import_template", args=[self.kind]),
            **kwargs,
        )

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        importer = importers.IMPORTERS[self.kind][1]
        try:
            result = importer(self.request.user, upload)
        except importers.ImportRefused as refused:
            return self.render_to_response(
                self.get_context_data(form=form, refused=refused.errors, filename=upload.name), status=422
            )
        if self.kind == "units":
            message = _("Imported %(count)d units.") % {"count": result.created}
        else:
            message = _("Imported %(count)d residents (%(new)d new accounts, %(reused)d existing accounts).") % {
                "count": result.created,
                "new": result.users_created,
                "reused": result.users_reused,
            }
        messages.success(self.request, message)
        return redirect(self.request.path)


def import_template(request, kind):
    if kind not in importers.IMPORTERS:
        raise Http404
    if not can_use_tools(request.user):
        raise PermissionDenied
    response = HttpResponse(importers.template_csv(kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="linli-{kind}-template.csv"'
    return response


# --- the unit lookup (联查) ------------------------------------------------------------------


UNIT_LOOKUP_PANELS_HOOK = "properties_unit_lookup_panels"
"""Apps add sections to the unit lookup page (billing adds receivables and arrears) with
``@hooks.register("properties_unit_lookup_panels")`` on a function ``(request, unit)`` that
returns a ``wagtail.admin.ui.components.Component`` or ``None``. A panel with ``shows_receivables = True``
(the household account) replaces the page's "billing is not set up yet" note."""


class UnitLookupView(InspectView):
    """From a unit straight to its people, parking, grid and housekeeper."""

    template_name = "properties/admin/unit_lookup.html"
    page_title = gettext_lazy("Linked lookup")
    breadcrumbs_items = [{"url": reverse_lazy("wagtailadmin_home"), "label": gettext_lazy("Home")}]

    def get_object(self, queryset=None):
        user = self.request.user
        unit = get_for_staff_or_404(
            user,
            Unit.objects.select_related("building__community__office", "grid__housekeeper").prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=ResidentMembership.objects.select_related("user").order_by("-start_date", "pk"),
                ),
                "parking_spaces",
            ),
            pk=self.pk,
        )
        return unit

    def get_fields(self):
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit = self.object
        today = timezone.localdate()
        memberships = list(unit.memberships.all())
        current = [m for m in memberships if m.start_date <= today and (m.end_date is None or m.end_date > today)]
        history = [m for m in memberships if m not in current]
        panels = [hook(self.request, unit) for hook in hooks.get_hooks(UNIT_LOOKUP_PANELS_HOOK)]
        panels = [panel for panel in panels if panel is not None]
        context.update(
            unit=unit,
            current_residents=current,
            past_residents=history,
            parking_spaces=list(unit.parking_spaces.all()),
            housekeeper=unit.grid.housekeeper,
            panels=panels,
            receivables_shown=any(getattr(panel, "shows_receivables", False) for panel in panels),
            units_url=reverse("properties_unit:index"),
            invite_url=self._invite_url(unit),
        )
        return context

    def _invite_url(self, unit):
        """Where to issue an invitation code for this unit, for those who may issue one here."""
        from portal.access import may_act_in_office
        from portal.people.models import StaffRole

        issuers = [StaffRole.FRONT_DESK, StaffRole.HOUSEKEEPER, StaffRole.OFFICE_MANAGER]
        office_id = unit.building.community.office_id
        if self.request.user.has_perm("people.add_invitation") and may_act_in_office(
            self.request.user, issuers, office_id
        ):
            return f"{reverse('people_invitations:add')}?unit={unit.pk}"
        return None
