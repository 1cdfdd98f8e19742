"""The leadership report screens (领导查询): company → office → community → building, with CSV/XLSX downloads.

Office managers reach their own offices, headquarters every office of their company (and the company
total); anyone else is refused. A place outside the user's offices is answered with 404, as if it did
not exist. ``?format=csv|xlsx`` downloads every table of the level, ``&table=<key>`` just one.
"""

from __future__ import annotations

from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from portal.access import is_headquarters, office_ids_with_role
from portal.people.models import StaffRole
from portal.properties.models import Building, Community, Office

from . import exports
from .leadership import Level
from .leadership_forms import PeriodForm
from .leadership_tables import Report

ROLES = (StaffRole.OFFICE_MANAGER,)  # headquarters count as managers of every office of their company


def leadership_office_ids(user) -> set[int] | None:
    return office_ids_with_role(user, ROLES)


def may_see_leadership(user) -> bool:
    ids = leadership_office_ids(user)
    return ids is None or bool(ids)


class LeadershipView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "reports/admin/leadership.html"
    page_title = gettext_lazy("Leadership report")
    header_icon = "site"
    level_kind = "company"

    def dispatch(self, request, *args, **kwargs):
        if not may_see_leadership(request.user):
            # A plain 403 rather than PermissionDenied, which Wagtail's admin turns into a redirect home.
            self.level = None
            context = self.get_context_data(denied=True, trail=[])
            return self.render_to_response(context, status=403)
        ids = leadership_office_ids(request.user)
        self.office_ids = None if ids is None else frozenset(ids)
        self.level = self.resolve_level(kwargs.get("pk"))
        return super().dispatch(request, *args, **kwargs)

    # The place ------------------------------------------------------------------------------------------

    def _allowed(self, office_id) -> bool:
        return self.office_ids is None or office_id in self.office_ids

    def resolve_level(self, pk) -> Level:
        if self.level_kind == "company":
            return Level("company", self.office_ids)
        if self.level_kind == "office":
            office = get_object_or_404(Office, pk=pk)
            community = building = None
        elif self.level_kind == "community":
            community = get_object_or_404(Community.objects.select_related("office"), pk=pk)
            office, building = community.office, None
        else:
            building = get_object_or_404(Building.objects.select_related("community__office"), pk=pk)
            community, office = building.community, building.community.office
        if not self._allowed(office.pk):
            raise Http404
        return Level(self.level_kind, self.office_ids, office, community, building)

    def single_office(self) -> int | None:
        """The one office of a manager who has just one (the company level then is that office)."""
        if self.office_ids is not None and len(self.office_ids) == 1 and not is_headquarters(self.request.user):
            return next(iter(self.office_ids))
        return None

    def url_for(self, obj) -> str:
        kind = {Office: "office", Community: "community", Building: "building"}[type(obj)]
        if kind == "building" and self.level.kind == "building":
            return ""
        query = self.request.GET.copy()
        for key in ("format", "table"):
            query.pop(key, None)
        suffix = f"?{query.urlencode()}" if query else ""
        return reverse(f"reports_leadership:{kind}", args=[obj.pk]) + suffix

    def top_label(self) -> str:
        if self.office_ids is None:
            return _("All offices")
        return _("Company total") if is_headquarters(self.request.user) else _("My offices")

    def trail(self) -> list[dict]:
        """The way back up: each level above this one, with its link (the last one is this page)."""
        level, items = self.level, []
        if level is None:
            return items
        if self.single_office() is None:
            items.append({"url": self.url_for_top(), "label": self.top_label()})
        for obj in (level.office, level.community, level.building):
            if obj is not None:
                items.append({"url": self.url_for(obj) or "", "label": obj.name})
        if items:
            items[-1]["url"] = ""
        return items

    def url_for_top(self) -> str:
        query = self.request.GET.copy()
        for key in ("format", "table"):
            query.pop(key, None)
        return reverse("reports_leadership:index") + (f"?{query.urlencode()}" if query else "")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, *[{"url": i["url"], "label": i["label"]} for i in self.trail()]]

    def get_page_subtitle(self):
        return " › ".join(str(i["label"]) for i in self.trail())

    # The figures -----------------------------------------------------------------------------------------

    def bound_form(self) -> PeriodForm:
        data = QueryDict(mutable=True)
        for key, value in PeriodForm.defaults().items():
            data[key] = value
        for key in self.request.GET:
            if key in PeriodForm.base_fields:
                data[key] = self.request.GET[key]
        return PeriodForm(data)

    def get(self, request, *args, **kwargs):
        if self.level.kind == "company" and (office_id := self.single_office()) is not None:
            query = request.GET.urlencode()
            target = reverse("reports_leadership:office", args=[office_id])
            return HttpResponseRedirect(target + (f"?{query}" if query else ""))
        form = self.bound_form()
        context = {"form": form, "sections": [], "trail": self.trail()}
        if form.is_valid():
            period = form.cleaned_data["range"]
            total = self.top_label() if self.level.kind == "company" else _("Total")
            report = Report(self.level, period, timezone.localdate(), self.url_for, total_label=str(total))
            sections = report.sections()
            fmt = request.GET.get("format")
            if fmt in exports.FORMATS:
                wanted = request.GET.get("table")
                chosen = [s for s in sections if not wanted or s.key == wanted]
                if not chosen:
                    raise Http404
                return exports.response([s.table for s in chosen], self.filename(period, wanted), fmt)
            for section in sections:
                section.downloads = [(label, self._link(format=f, table=section.key)) for f, label in self.formats()]
            context.update(
                period=period,
                sections=sections,
                charts={s.key: s.chart for s in sections if s.chart},
                exports=[(label, self._link(format=f)) for f, label in self.formats()],
            )
        return self.render_to_response(self.get_context_data(**context))

    @staticmethod
    def formats():
        return [("csv", "CSV"), ("xlsx", "Excel")]

    def _link(self, **params) -> str:
        query = self.request.GET.copy()
        query.pop("table", None)
        for key, value in params.items():
            query[key] = value
        return f"?{query.urlencode()}"

    def filename(self, period, table: str | None) -> str:
        level = self.level
        place = {
            "company": "company",
            "office": level.office.code if level.office else "",
            "community": level.community.code if level.community else "",
            "building": f"building-{level.building.pk}" if level.building else "",
        }[level.kind]
        return "-".join(part for part in ("leadership", place, period.slug, table or "") if part)


def level_view(kind: str):
    return LeadershipView.as_view(level_kind=kind)
