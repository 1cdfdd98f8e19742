"""The staff home (back-office dashboard): one panel per role the user holds, built from ``figures``.

A housekeeper sees their grids, a technician their day, a billing clerk the billing run, today's cash and
arrears, an office manager their office's key figures, headquarters every office side by side. Someone with
several roles sees each panel; each panel covers only the offices where the user holds that role.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component

from portal import access
from portal.people.models import StaffRole
from portal.properties.models import Office
from portal.workorders import access as workorder_access

from . import figures, progress


def url(name: str, *args, **query) -> str:
    target = reverse(name, args=args)
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{target}?{urlencode(query)}" if query else target


def role_offices(user) -> dict[str, list[Office]]:
    """The offices where the user holds each office role (headquarters under its own key, all its offices)."""
    result: dict[str, list[Office]] = {}
    for membership in access.active_staff_memberships(user):
        if membership.role != StaffRole.HEADQUARTERS and membership.office is not None:
            offices = result.setdefault(membership.role, [])
            if membership.office not in offices:
                offices.append(membership.office)
    if access.is_headquarters(user):
        result[StaffRole.HEADQUARTERS] = list(access.staff_offices(user).order_by("region__name", "name"))
    for offices in result.values():
        offices.sort(key=lambda office: office.name)
    return result


class DashboardPanel(Component):
    order = 20
    role: str = ""

    class Media:
        css = {"all": ["dashboards/dashboards.css"]}

    def __init__(self, user, offices: list[Office]):
        self.user = user
        self.offices = offices

    @property
    def office_ids(self) -> list[int]:
        return [office.pk for office in self.offices]

    def get_context_data(self, parent_context=None):
        return {"panel": self, "offices": self.offices, "today": timezone.localdate(), **self.figures()}

    def figures(self) -> dict:
        raise NotImplementedError


class HousekeeperPanel(DashboardPanel):
    name = "linli_housekeeper"
    order = 20
    role = StaffRole.HOUSEKEEPER
    template_name = "dashboards/panels/housekeeper.html"

    def figures(self):
        grids = figures.housekeeper_grids(self.user, self.office_ids)
        for row in grids:
            row.board_url = url("workorders_board:index", grid=row.grid.pk)
            row.overdue_url = url("workorders_board:index", grid=row.grid.pk, overdue=1)
            row.chat_url = url("chat:inbox", grid=row.grid.pk)
            row.debtors = [(unit, owed, url("properties_unit:inspect", unit.pk)) for unit, owed in row.debtors]
        return {"grids": grids, "board_url": url("workorders_board:index")}


class TechnicianPanel(DashboardPanel):
    name = "linli_technician"
    order = 21
    role = StaffRole.TECHNICIAN
    template_name = "dashboards/panels/technician.html"

    def figures(self):
        orders = workorder_access.technician_orders(self.user).filter(office_id__in=self.office_ids)
        day = figures.technician_day(orders)
        for order in day["todo"] + day["finished"]:
            order.job_url = reverse("workorders:job", args=[order.reference])
        return {**day, "jobs_url": reverse("workorders:jobs")}


class BillingPanel(DashboardPanel):
    name = "linli_billing"
    order = 22
    role = StaffRole.BILLING_CLERK
    template_name = "dashboards/panels/billing.html"

    class Media:
        js = ["dashboards/progress.js"]

    def figures(self):
        today = timezone.localdate()
        runs = figures.current_runs(self.office_ids)
        cash = figures.cash_by_office(self.office_ids, today)
        arrears = figures.arrears_by_office(self.office_ids)
        rows = []
        for office in self.offices:
            run = runs.get(office.pk)
            rows.append(
                {
                    "office": office,
                    "run": run,
                    "run_url": reverse("billing_runs:detail", args=[run.pk]) if run else None,
                    "job": progress.describe("billing_run", run) if run else None,
                    "cash": cash.get(office.pk, figures.Cash()),
                    "arrears": arrears.get(office.pk, {"households": 0, "owed": figures.ZERO}),
                    "cash_url": url("reports_cash:index", office=office.pk, day=today.isoformat()),
                    "arrears_url": url("reports_arrears:index", office=office.pk),
                }
            )
        return {"rows": rows, "runs_url": reverse("billing_runs:index"), "new_run_url": reverse("billing_runs:new")}


class ManagerPanel(DashboardPanel):
    name = "linli_manager"
    order = 23
    role = StaffRole.OFFICE_MANAGER
    template_name = "dashboards/panels/manager.html"

    def figures(self):
        board = figures.office_figures(self.offices)
        for row in board.rows:
            row.links = office_links(row.office)
        return {"rows": board.rows}


class HeadquartersPanel(DashboardPanel):
    name = "linli_headquarters"
    order = 24
    role = StaffRole.HEADQUARTERS
    template_name = "dashboards/panels/headquarters.html"

    def figures(self):
        board = figures.office_figures(self.offices)
        for row in board.rows:
            row.links = office_links(row.office)
        return {"rows": board.rows, "totals": board.totals, "month": timezone.localdate().replace(day=1)}


def office_links(office: Office) -> dict[str, str]:
    month = timezone.localdate().strftime("%Y-%m")
    return {
        "board": url("workorders_board:index", office=office.pk),
        "overdue": url("workorders_board:index", office=office.pk, overdue=1),
        "collection": url(
            "reports_collection:index", office=office.pk, group="community", month_from=month, month_to=month
        ),
        "arrears": url("reports_arrears:index", office=office.pk),
        "kpis": url("workorders_board:kpis", office=office.pk),
    }


PANELS = (HousekeeperPanel, TechnicianPanel, BillingPanel, ManagerPanel, HeadquartersPanel)


def panels_for(user) -> list[DashboardPanel]:
    """The role panels of a user's staff home, each for the offices where the user holds that role."""
    offices = role_offices(user)
    if getattr(user, "is_superuser", False) and StaffRole.HEADQUARTERS not in offices:
        offices[StaffRole.HEADQUARTERS] = list(Office.objects.select_related("region").order_by("name"))
    return [panel(user, offices[panel.role]) for panel in PANELS if offices.get(panel.role)]
