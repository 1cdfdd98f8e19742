"""Two households of office A with Jan and Feb bills of ¥100 each, both signed up for bank collection."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commerce.collection import services
from portal.people.models import StaffRole
from tests.billing.conftest import company, other_site, site  # noqa: F401
from tests.payments.conftest import _plain_settings, bills, clerk, neighbour_unit, other_clerk, unit  # noqa: F401
from tests.properties.conftest import staff

AS_OF = datetime.date(2025, 3, 1)


@pytest.fixture
def front_desk(site):  # noqa: F811
    return staff(StaffRole.FRONT_DESK, site.office, full_name="Desk A")


@pytest.fixture
def mandates(clerk, unit, neighbour_unit):  # noqa: F811
    return [
        services.save_mandate(
            clerk, unit, account_holder="Ruan Yi", bank_name="ICBC", account_number="6222 0000 1111 2222"
        ),
        services.save_mandate(
            clerk, neighbour_unit, account_holder="Ni Er", bank_name="CCB", account_number="6217000033334444"
        ),
    ]


@pytest.fixture
def batch(clerk, site, bills, mandates):  # noqa: F811
    return services.create_batch(clerk, site.office, AS_OF)


def csv_file(rows, header=("line reference", "account number", "amount", "result", "reason"), name="result.csv"):
    lines = [",".join(header), *(",".join(row) for row in rows)]
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode("utf-8"), content_type="text/csv")


def result_rows(batch, outcomes):
    """One result row per line of the batch, in order: outcomes like ("success", "") or ("failure", "No funds")."""
    lines = list(batch.lines.order_by("pk"))
    return [
        (line.reference, line.account_number, f"{line.amount}", result, reason)
        for line, (result, reason) in zip(lines, outcomes, strict=True)
    ]
