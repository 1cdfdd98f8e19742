"""The staff home: each role's panel shows its figures, for its own offices only."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from portal.dashboards import figures, panels
from portal.people.models import StaffRole
from tests.factories import GridFactory, StaffMembershipFactory, UnitFactory
from tests.properties.conftest import make_site, staff

pytestmark = pytest.mark.django_db

HOME = "/backoffice/"


def home(client, user):
    client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def panel_names(user):
    return [panel.name for panel in panels.panels_for(user)]


def context(panel_class, user, offices):
    return panel_class(user, offices).get_context_data()


# --- which panels -------------------------------------------------------------------------------------


def test_each_role_gets_its_own_panel(w):
    assert panel_names(w.keeper) == ["linli_housekeeper"]
    assert panel_names(w.tech) == ["linli_technician"]
    assert panel_names(w.clerk) == ["linli_billing"]
    assert panel_names(w.manager) == ["linli_manager"]
    assert panel_names(w.hq) == ["linli_headquarters"]


def test_someone_with_several_roles_sees_the_panel_of_each(w, client):
    StaffMembershipFactory(user=w.keeper, office=w.office, role=StaffRole.BILLING_CLERK)
    keeper = type(w.keeper).objects.get(pk=w.keeper.pk)  # roles are cached per user object (per request)
    assert panel_names(keeper) == ["linli_housekeeper", "linli_billing"]
    page = home(client, keeper)
    assert "My grids" in page and "Billing today" in page
    assert "Where you work" in page  # the people app's panel stays first


def test_a_resident_gets_no_panel(w):
    assert panels.panels_for(w.resident) == []


# --- housekeeper --------------------------------------------------------------------------------------


def test_the_housekeeper_sees_open_overdue_unread_and_arrears_of_their_grid(w, client):
    (row,) = context(panels.HousekeeperPanel, w.keeper, [w.office])["grids"]
    assert row.grid == w.site.grid
    assert row.open_orders == 3  # fresh, late and the dispatched job
    assert row.overdue_orders == 1  # the one left undispatched past the clock
    assert (row.unread_messages, row.unread_chats) == (1, 1)
    assert (row.arrears_households, row.arrears) == (1, Decimal("100.00"))
    assert [(unit, owed) for unit, owed, _url in row.debtors] == [(w.debtor, Decimal("100.00"))]

    page = home(client, w.keeper)
    assert f"{reverse('workorders_board:index')}?grid={w.site.grid.pk}&amp;overdue=1" in page
    assert f"{reverse('chat:inbox')}?grid={w.site.grid.pk}" in page
    assert reverse("properties_unit:inspect", args=[w.debtor.pk]) in page


def test_reading_the_chat_clears_the_unread_count(w):
    from notifications import chat

    chat.mark_read(w.keeper, w.chat)
    (row,) = context(panels.HousekeeperPanel, w.keeper, [w.office])["grids"]
    assert row.unread_messages == 0


def test_a_housekeeper_without_a_grid_is_told_so(w, client):
    newcomer = staff(StaffRole.HOUSEKEEPER, w.office, full_name="New Keeper")
    assert "No grid is assigned to you yet" in home(client, newcomer)


# --- technician ---------------------------------------------------------------------------------------


def test_the_technician_sees_the_orders_dispatched_to_them(w, client):
    data = context(panels.TechnicianPanel, w.tech, [w.office])
    assert [order.pk for order in data["todo"]] == [w.job.pk]
    assert (data["todo_count"], data["late_count"]) == (1, 0)
    page = home(client, w.tech)
    assert w.job.reference in page
    assert w.fresh.reference not in page  # not theirs
    assert reverse("workorders:job", args=[w.job.reference]) in page


# --- billing clerk ------------------------------------------------------------------------------------


def test_the_billing_clerk_sees_the_run_todays_cash_and_arrears(w, client):
    (row,) = context(panels.BillingPanel, w.clerk, [w.office])["rows"]
    assert row["run"] == w.run
    assert row["job"]["status"] == "done" and row["job"]["done"] == row["job"]["total"] == 2
    assert (row["cash"].desk, row["cash"].online, row["cash"].count) == (Decimal("100.00"), Decimal("0.00"), 1)
    assert row["arrears"] == {"households": 1, "owed": Decimal("100.00")}
    page = home(client, w.clerk)
    assert "¥100.00" in page
    assert reverse("dashboards_progress", args=["billing_run", w.run.pk]) in page
    assert not re.search(r"Office b\b", page)


def test_a_running_billing_run_is_shown_before_an_older_finished_one(w):
    from commerce.billing.models import BillingRun

    start = w.run.period_start.replace(year=w.run.period_start.year + 1)
    running = BillingRun.objects.create(
        office=w.office, period_start=start, period_end=start, status=BillingRun.Status.RUNNING, total=10, done=4
    )
    assert figures.current_runs([w.office.pk])[w.office.pk] == running
    (row,) = context(panels.BillingPanel, w.clerk, [w.office])["rows"]
    assert (row["job"]["active"], row["job"]["percent"]) == (True, 40)


# --- office manager -----------------------------------------------------------------------------------


def test_the_manager_sees_the_key_figures_of_their_office(w, client):
    (row,) = context(panels.ManagerPanel, w.manager, [w.office])["rows"]
    assert (row.receivable, row.collected, row.rate) == (Decimal("200.00"), Decimal("100.00"), Decimal("50.00"))
    assert (row.arrears_households, row.arrears) == (1, Decimal("100.00"))
    assert (row.open_orders, row.overdue_orders) == (3, 1)
    assert row.breach_dispatch == 1 and row.breaches >= 1
    page = home(client, w.manager)
    assert "50.00%" in page and "Office at a glance" in page


def test_a_manager_never_sees_another_offices_figures(w, client):
    page = home(client, w.other_manager)
    (row,) = context(panels.ManagerPanel, w.other_manager, [w.other.office])["rows"]
    assert row.office == w.other.office
    assert (row.receivable, row.collected) == (Decimal("100.00"), Decimal("0.00"))
    assert (row.open_orders, row.overdue_orders) == (1, 1)
    assert not re.search(r"Office a\b", page)
    assert "0.00%" in page  # office b has collected nothing
    assert "50.00%" not in page  # office a's rate


# --- headquarters -------------------------------------------------------------------------------------


def test_headquarters_see_every_office_side_by_side_with_totals(w, client):
    data = context(panels.HeadquartersPanel, w.hq, panels.role_offices(w.hq)[StaffRole.HEADQUARTERS])
    rows = {row.office.name: row for row in data["rows"]}
    assert set(rows) == {"Office a", "Office b"}
    assert rows["Office a"].rate == Decimal("50.00") and rows["Office b"].rate == Decimal("0.00")
    assert data["totals"]["rate"] == Decimal("33.33")
    assert data["totals"]["arrears"] == Decimal("200.00") and data["totals"]["arrears_households"] == 2
    assert data["totals"]["overdue_orders"] == 2
    page = home(client, w.hq)
    assert "Every office" in page and "All offices" in page and "33.33%" in page


def test_headquarters_of_another_company_see_none_of_these_offices(w, client):
    from tests.factories import CompanyFactory, RegionFactory

    rival = CompanyFactory(name="Rival")
    make_site(RegionFactory(company=rival, name="North"), "z")
    rival_hq = staff(StaffRole.HEADQUARTERS, company=rival, full_name="Rival HQ")
    names = [o.name for o in panels.role_offices(rival_hq)[StaffRole.HEADQUARTERS]]
    assert names == ["Office z"]
    page = home(client, rival_hq)
    assert not re.search(r"Office [ab]\b", page)


# --- bounded queries ----------------------------------------------------------------------------------


def test_the_figures_take_a_fixed_number_of_queries_whatever_the_number_of_offices(w, django_assert_max_num_queries):
    from tests.dashboards.conftest import run_this_month

    offices = [w.office, w.other.office]
    with django_assert_max_num_queries(12) as few:
        figures.office_figures(offices)
    for n in range(3):
        extra = make_site(w.office.region, f"x{n}")
        for k in range(3):
            UnitFactory(building=extra.building, grid=extra.grid, number=f"{n}{k}")
        run_this_month(extra.office)
        offices.append(extra.office)
    with django_assert_max_num_queries(len(few.captured_queries)):
        board = figures.office_figures(offices)
    assert len(board.rows) == 5


def test_the_home_page_takes_a_fixed_number_of_queries_for_headquarters(w, client, django_assert_max_num_queries):
    client.force_login(w.hq)
    client.get(HOME)  # warm caches (content types, site)
    with django_assert_max_num_queries(60) as before:
        client.get(HOME)
    for n in range(3):
        extra = make_site(w.office.region, f"y{n}")
        for k in range(4):
            UnitFactory(building=extra.building, grid=extra.grid, number=f"{n}{k}")
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert client.get(HOME).status_code == 200


def test_the_housekeeper_panel_does_not_query_per_grid_or_household(w, django_assert_max_num_queries):
    with django_assert_max_num_queries(10) as before:
        panels.HousekeeperPanel(w.keeper, [w.office]).get_context_data()
    for n in range(3):
        grid = GridFactory(community=w.site.community, housekeeper=w.keeper)
        UnitFactory(building=w.site.building, grid=grid, number=f"9{n}")
    keeper = type(w.keeper).objects.get(pk=w.keeper.pk)
    with django_assert_max_num_queries(len(before.captured_queries)):
        grids = panels.HousekeeperPanel(keeper, [w.office]).get_context_data()["grids"]
    assert len(grids) == 4
