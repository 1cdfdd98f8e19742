"""The meter side of a resident's bill: the readings behind a metered line, the calculation behind a share."""

from __future__ import annotations

from .models import MeterBillLine


def attach_meter_details(bill) -> None:
    """Give each metered line of ``bill`` a ``meter_detail`` (its first source) and ``meter_segments``.

    A line has several segments when a meter was replaced during the month (old meter, new meter).
    """
    lines = {line.pk: line for line in bill.lines.all()}
    sources = (
        MeterBillLine.objects.filter(bill_line_id__in=lines)
        .select_related(
            "meter",
            "from_reading",
            "to_reading",
            "share__apportionment__master_from_reading",
            "share__apportionment__master_to_reading",
            "share__apportionment__meter",
            "correction__correction__reading",
        )
        .order_by("pk")
    )
    for source in sources:
        line = lines[source.bill_line_id]
        if not hasattr(line, "meter_detail"):
            line.meter_detail = source
            line.meter_segments = []
        line.meter_segments.append(source)
        line.measure = line.item.measure_unit
        if source.share_id:
            source.units_sharing = source.share.apportionment.shares.count()
