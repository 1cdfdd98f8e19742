"""The period of the leadership report: a month, a quarter, a year or a range of days."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from .leadership import add_months

MAX_RANGE_DAYS = 366
FIRST_YEAR = 2000
KINDS = [
    ("month", gettext_lazy("Month")),
    ("quarter", gettext_lazy("Quarter")),
    ("year", gettext_lazy("Year")),
    ("custom", gettext_lazy("Range of days")),
]


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date
    label: str
    slug: str

    @property
    def bounds(self) -> tuple[datetime.date, datetime.date]:
        return self.start, self.end


def _quarter_of(day: datetime.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _quarter_choices(today: datetime.date) -> list[tuple[str, str]]:
    """This quarter and the eleven before it, newest first."""
    first = today.replace(month=((today.month - 1) // 3) * 3 + 1, day=1)
    choices = []
    for n in range(12):
        start = add_months(first, -3 * n)
        choices.append((_quarter_of(start), _("%(year)s Q%(quarter)s") % _quarter_parts(start)))
    return choices


def _quarter_parts(day: datetime.date) -> dict:
    return {"year": day.year, "quarter": (day.month - 1) // 3 + 1}


class PeriodForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=KINDS)
    month = forms.DateField(
        label=gettext_lazy("Month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": gettext_lazy("Enter a month such as 2026-01.")},
    )
    quarter = forms.ChoiceField(
        label=gettext_lazy("Quarter"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose one of the quarters in the list.")},
    )
    year = forms.TypedChoiceField(
        label=gettext_lazy("Year"),
        required=False,
        coerce=int,
        error_messages={"invalid_choice": gettext_lazy("Choose one of the years in the list.")},
    )
    date_from = forms.DateField(
        label=pgettext_lazy("date filter", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": gettext_lazy("Enter a date such as 2026-01-31.")},
    )
    date_to = forms.DateField(
        label=pgettext_lazy("date filter", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": gettext_lazy("Enter a date such as 2026-01-31.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()
        self.fields["quarter"].choices = _quarter_choices(self.today)
        self.fields["year"].choices = [(y, str(y)) for y in range(self.today.year, FIRST_YEAR - 1, -1)]

    @classmethod
    def defaults(cls) -> dict:
        today = timezone.localdate()
        return {
            "period": "month",
            "month": today.strftime("%Y-%m"),
            "quarter": _quarter_of(today),
            "year": str(today.year),
            "date_from": today.replace(day=1).isoformat(),
            "date_to": today.isoformat(),
        }

    def clean(self):
        data = super().clean()
        kind = data.get("period")
        period = None
        if kind == "month":
            if (month := data.get("month")) is not None:
                start = month.replace(day=1)
                period = Period(
                    start, add_months(start, 1) - datetime.timedelta(days=1), f"{start:%Y-%m}", f"{start:%Y%m}"
                )
            elif "month" not in self.errors:
                self.add_error("month", _("Choose the month."))
        elif kind == "quarter":
            if quarter := data.get("quarter"):
                year, number = int(quarter[:4]), int(quarter[-1])
                start = datetime.date(year, number * 3 - 2, 1)
                label = _("%(year)s Q%(quarter)s") % {"year": year, "quarter": number}
                period = Period(start, add_months(start, 3) - datetime.timedelta(days=1), label, f"{year}q{number}")
            elif "quarter" not in self.errors:
                self.add_error("quarter", _("Choose the quarter."))
        elif kind == "year":
            if year := data.get("year"):
                period = Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31), str(year), str(year))
            elif "year" not in self.errors:
                self.add_error("year", _("Choose the year."))
        elif kind == "custom":
            period = self._custom(data)
        if period is not None and period.start > self.today:
            field = {"month": "month", "quarter": "quarter", "year": "year"}.get(kind, "date_from")
            self.add_error(field, _("This period has not begun yet; choose one that starts today or earlier."))
            period = None
        data["range"] = period
        return data

    def _custom(self, data) -> Period | None:
        start, end = data.get("date_from"), data.get("date_to")
        if start is None or end is None:
            for name in ("date_from", "date_to"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Enter the first and the last day of the range."))
            return None
        if end < start:
            self.add_error("date_to", _("The last day is before the first."))
            return None
        if (end - start).days >= MAX_RANGE_DAYS:
            self.add_error(
                "date_to",
                _("Choose at most %(days)s days; for a longer view choose a year.") % {"days": MAX_RANGE_DAYS},
            )
            return None
        return Period(start, end, f"{start:%Y-%m-%d} – {end:%Y-%m-%d}", f"{start:%Y%m%d}-{end:%Y%m%d}")
