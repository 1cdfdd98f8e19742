"""Payment notices (缴费通知单): only bills with something due, the right total, one page per household."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commerce.documents import notices as notice_data
from commerce.documents.models import NoticeBatch
from commerce.payments import services
from portal.people.models import StaffRole
from portal.properties.models import Unit
from tests.factories import BuildingFactory, ResidentMembershipFactory, UnitFactory
from tests.properties.conftest import staff

from .conftest import page_count, pdf_text, run_month

pytestmark = pytest.mark.django_db


@pytest.fixture
def part_paid(clerk, unit, bills):
    """January settled, ¥30 paid on February: ¥70 left, on February only."""
    jan, feb = bills
    services.record_desk_payment(clerk, unit, "100.00", "cash", bills=[jan])
    services.record_desk_payment(clerk, unit, "30.00", "cash", bills=[feb])
    return feb


def test_the_notice_lists_only_the_bills_with_something_due(unit, resident, part_paid):
    notice = notice_data.notice_for_unit(unit)
    assert [item.bill for item in notice.bills] == [part_paid]
    (item,) = notice.bills
    assert (item.paid, item.outstanding) == (Decimal("30.00"), Decimal("70.00"))
    assert notice.total == Decimal("70.00")
    assert notice.residents == ["Resident Ruan"]


def test_the_resident_sees_the_notice_of_their_household(client, resident, part_paid):
    client.force_login(resident)
    bills_page = client.get(reverse("my_bills")).content.decode()
    assert f'href="{reverse("my_notice")}"' in bills_page
    page = client.get(reverse("my_notice")).content.decode()
    assert 'class="notice-total">¥70.00<' in page
    assert "Bill 2025-02" in page and "Bill 2025-01" not in page
    assert "Already paid" in page and "−¥30.00" in page
    assert "柒拾元整" in page
    assert "3-1102" not in page  # the neighbour's unit, which owes too
    assert "@media print" in page


def test_the_notice_pdf_has_the_total_in_figures_and_capitals(client, resident, part_paid):
    client.force_login(resident)
    response = client.get(reverse("my_notice_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and page_count(response.content) == 1
    text = pdf_text(response.content)
    assert "Garden a 3-1101" in text and "Resident Ruan" in text
    assert "2025-02" in text and "2025-01" not in text
    assert "¥70.00" in text and "柒拾元整" in text
    assert "http://testserver/my/bills/pay/" in text


def test_with_nothing_due_there_is_no_notice_to_print(client, resident, clerk, unit, bills):
    services.record_desk_payment(clerk, unit, "200.00", "cash")
    client.force_login(resident)
    assert "Nothing is due" in client.get(reverse("my_notice")).content.decode()
    assert client.get(reverse("my_notice_pdf"))["Location"] == reverse("my_notice")


def test_the_office_prints_a_households_notice_from_the_unit_lookup(client, clerk, other_clerk, unit, part_paid):
    client.force_login(clerk)
    lookup = client.get(reverse("properties_unit:inspect", args=[unit.pk])).content.decode()
    assert reverse("documents_unit_notice", args=[unit.pk]) in lookup
    assert reverse("documents_unit_notice_pdf", args=[unit.pk]) in lookup
    page = client.get(reverse("documents_unit_notice", args=[unit.pk])).content.decode()
    assert 'class="notice-total">¥70.00<' in page
    response = client.get(reverse("documents_unit_notice_pdf", args=[unit.pk]))
    assert "¥70.00" in pdf_text(response.content)
    assert response["Content-Disposition"] == 'inline; filename="payment-notice-3-1101.pdf"'
    client.force_login(other_clerk)
    assert client.get(reverse("documents_unit_notice", args=[unit.pk])).status_code == 404
    assert client.get(reverse("documents_unit_notice_pdf", args=[unit.pk])).status_code == 404


# Batches ------------------------------------------------------------------------------------------


@pytest.fixture
def block(site, clerk):
    """Building 3 with four households (one settles everything) and building 5 with two, all billed Jan–Feb."""
    from tests.billing.conftest import make_item

    units = [UnitFactory(building=site.building, grid=site.grid, number=f"20{n}", floor=2) for n in range(1, 5)]
    other_building = BuildingFactory(community=site.community, name="5")
    units += [UnitFactory(building=other_building, grid=site.grid, number=f"30{n}", floor=3) for n in range(1, 3)]
    for n, member in enumerate(units):
        ResidentMembershipFactory(user__full_name=f"Household {n}", unit=member)
    make_item(site.office, "fixed_per_unit", price="100.00")
    run_month(site.office, 2025, 1)
    run_month(site.office, 2025, 2)
    services.record_desk_payment(clerk, units[0], "200.00", "cash")
    return units


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def batch_of(client, django_capture_on_commit_callbacks):
    """Ask for a batch over HTTP as a user would; the task runs eagerly once the request commits."""

    def ask(scope):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("documents_notices"), {"scope": scope})
        assert response.status_code == 302, response.content.decode()[:500]
        return NoticeBatch.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])

    return ask


def _pdf(client, batch):
    response = client.get(reverse("documents_notice_batch_file", args=[batch.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def test_a_building_prints_as_one_pdf_with_a_page_per_household_that_owes(client, clerk, site, block, batch_of):
    client.force_login(clerk)
    batch = batch_of(f"building:{site.building.pk}")
    assert (batch.status, batch.total, batch.done, batch.pages, batch.printed) == ("done", 4, 4, 3, 3)
    data = _pdf(client, batch)
    assert page_count(data) == 3  # 202, 203, 204; 201 paid everything
    text = pdf_text(data)
    assert "Garden a 3-201" not in text
    assert all(f"Garden a 3-20{n}" in text for n in (2, 3, 4))
    assert text.count("¥200.00") == 3


def test_a_community_prints_every_building(client, clerk, site, block, batch_of):
    client.force_login(clerk)
    data = _pdf(client, batch_of(f"community:{site.community.pk}"))
    assert page_count(data) == 5
    assert "Garden a 5-301" in pdf_text(data)


def test_a_community_bigger_than_a_chunk_is_one_pdf_in_unit_order(client, clerk, site, block, batch_of, monkeypatch):
    from commerce.documents import batches

    monkeypatch.setattr(batches, "CHUNK_UNITS", 2)
    monkeypatch.setattr(batches, "PRINT_STEP", 1)
    saved = []
    real = batches._save_progress
    monkeypatch.setattr(batches, "_save_progress", lambda b, *f: (saved.append((b.done, b.printed)), real(b, *f)))
    client.force_login(clerk)

    batch = batch_of(f"community:{site.community.pk}")

    text = pdf_text(_pdf(client, batch))
    positions = [text.index(f"Garden a {label}") for label in ("3-202", "3-203", "3-204", "5-301", "5-302")]
    assert positions == sorted(positions)
    assert [done for done, _printed in saved if done][:3] == [2, 4, 6]  # progress saved after each chunk
    assert [printed for _done, printed in saved if printed] == [1, 2, 3, 4, 5]


def test_a_household_with_many_bills_still_gets_one_page(client, clerk, site, block, batch_of):
    for month in range(3, 13):
        run_month(site.office, 2025, month)
    client.force_login(clerk)
    data = _pdf(client, batch_of(f"building:{site.building.pk}"))
    assert page_count(data) == 4  # 201 owes again from March
    text = pdf_text(data)
    assert text.count("¥1,200.00") == 3 and "¥1,000.00" in text
    assert "2025-12" in text


def test_nothing_due_is_said_plainly(client, clerk, site, block, batch_of):
    for member in block[1:4]:
        services.record_desk_payment(clerk, member, "200.00", "cash")
    client.force_login(clerk)
    batch = batch_of(f"building:{site.building.pk}")
    page = client.get(reverse("documents_notice_batch", args=[batch.pk])).content.decode()
    assert batch.status == "done" and not batch.file
    assert "No household of Garden a 3 has anything due." in page
    assert client.get(reverse("documents_notice_batch_file", args=[batch.pk])).status_code == 404


def test_the_progress_polls_every_second_while_running_and_offers_the_pdf_when_done(client, clerk, site, block):
    client.force_login(clerk)
    batch = NoticeBatch.objects.create(office=site.office, scope=f"community:{site.community.pk}", place="Garden a",
                                       total=6, done=6, pages=5, printed=2, status="running")  # fmt: skip
    url = reverse("documents_notice_batch", args=[batch.pk])

    page = client.get(url).content.decode()
    assert 'data-active="1"' in page and "6 / 6 households checked" in page and "Notices printed: 2 / 5" in page
    assert 'value="52"' in page  # 20 for checking + 80 × 2/5 for printing
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="batch-progress"') and "<html" not in partial

    NoticeBatch.objects.filter(pk=batch.pk).update(status="done", printed=5, file="notices/x.pdf")
    page = client.get(url).content.decode()
    assert "every 1s" not in page and reverse("documents_notice_batch_file", args=[batch.pk]) in page


def test_another_office_cannot_choose_this_community_nor_see_its_batches(
    client, clerk, other_clerk, site, block, batch_of
):
    client.force_login(clerk)
    batch = batch_of(f"community:{site.community.pk}")
    client.force_login(other_clerk)
    response = client.post(reverse("documents_notices"), {"scope": f"community:{site.community.pk}"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert "Garden a" not in client.get(reverse("documents_notices")).content.decode()
    assert client.get(reverse("documents_notice_batch", args=[batch.pk])).status_code == 404
    assert client.get(reverse("documents_notice_batch_file", args=[batch.pk])).status_code == 404
    assert NoticeBatch.objects.count() == 1


def test_staff_without_a_desk_role_are_refused(client, site):
    client.force_login(staff(StaffRole.TECHNICIAN, site.office))
    response = client.post(reverse("documents_notices"), {"scope": f"community:{site.community.pk}"})
    assert response.status_code in (302, 403) and not NoticeBatch.objects.exists()


def test_a_batch_keeps_its_history(client, clerk, site, block, batch_of):
    client.force_login(clerk)
    batch = batch_of(f"building:{site.building.pk}")
    assert list(batch.events.values_list("status", flat=True)) == ["pending", "running", "done"]


def test_a_batch_costs_the_same_queries_for_few_or_many_households(site, block):
    few = Unit.objects.filter(pk__in=[u.pk for u in block[1:3]])
    many = Unit.objects.filter(pk__in=[u.pk for u in block])
    with CaptureQueriesContext(connection) as small:
        assert len(notice_data.notices_for_units(few)) == 2
    with CaptureQueriesContext(connection) as large:
        assert len(notice_data.notices_for_units(many)) == 5
    assert len(large) == len(small)


def test_the_batch_says_what_each_households_own_notice_says(monkeypatch, site, block):
    monkeypatch.setattr(notice_data, "CHUNK", 2)  # the batches must join up across chunks
    batch = notice_data.notices_for_units(Unit.objects.filter(building__community=site.community))
    single = [notice_data.notice_for_unit(u) for u in block if notice_data.notice_for_unit(u).bills]
    assert [(n.unit.pk, n.total, n.residents, [i.bill.pk for i in n.bills]) for n in batch] == [
        (n.unit.pk, n.total, n.residents, [i.bill.pk for i in n.bills]) for n in single
    ]
