"""A unit of office A, its desk staff (front desk, clerk, manager), and staff of office B."""

import pytest

from portal.people.models import StaffRole
from tests.billing.conftest import company, other_site, site  # noqa: F401
from tests.payments.conftest import _plain_settings, bills, clerk, neighbour_unit, other_clerk, unit  # noqa: F401
from tests.properties.conftest import staff


@pytest.fixture
def front_desk(site):  # noqa: F811
    return staff(StaffRole.FRONT_DESK, site.office, full_name="Desk A")


@pytest.fixture
def manager(site):  # noqa: F811
    return staff(StaffRole.OFFICE_MANAGER, site.office, full_name="Manager A")


@pytest.fixture
def other_manager(other_site):  # noqa: F811
    return staff(StaffRole.OFFICE_MANAGER, other_site.office, full_name="Manager B")


@pytest.fixture
def technician(site):  # noqa: F811
    return staff(StaffRole.TECHNICIAN, site.office, full_name="Tech A")
