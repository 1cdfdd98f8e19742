"""Back-office screens for people (registered in ``wagtail_hooks``): forms and action views.

Every object is fetched through ``portal.access`` scoping (another office's object is a 404) and
every change goes through ``services`` (which refuse a role that may not act: 403).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets import AdminDateInput

from portal import access
from portal.properties.models import Building, Company

from . import services
from .models import Invitation, JoinRequest, ResidentMembership, ResidentRole, StaffMembership, StaffRole
from .phones import mask_phone

# --- scoping -----------------------------------------------------------------------------------

UNIT_OFFICE = "unit__building__community__office"


def scope_residents(user, queryset):
    return access.scope_to_offices(user, queryset, UNIT_OFFICE)


scope_invitations = scope_residents
scope_join_requests = scope_residents


def scope_staff(user, queryset):
    """Office staff see their offices' roles; headquarters also see their company's HQ roles."""
    ids = access.staff_office_ids(user)
    if ids is None:
        return queryset
    return queryset.filter(
        Q(office_id__in=ids) | Q(office__isnull=True, company_id__in=access.headquarters_company_ids(user))
    )


# --- forms ---------------------------------------------------------------------------------------


class BuildingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.community.name} · {obj.name}"


class IssueInvitationForm(forms.Form):
    building = BuildingChoiceField(
        queryset=Building.objects.none(),
        label=gettext_lazy("Building"),
        empty_label=gettext_lazy("Choose the building"),
    )
    number = forms.CharField(label=gettext_lazy("Unit number"), max_length=20)
    role = forms.ChoiceField(label=gettext_lazy("Joins as"), choices=ResidentRole.choices)
    note = forms.CharField(
        label=pgettext_lazy("invitation", "Note"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Who it is for, e.g. the owner's name. Only staff see it."),
    )
    valid_days = forms.IntegerField(
        label=gettext_lazy("Valid for (days)"), min_value=1, max_value=90, initial=14
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = access.scope_to_offices(
            user, Building.objects.select_related("community").order_by("community__name", "name")
        )

    def clean(self):
        cleaned = super().clean()
        building, number = cleaned.get("building"), cleaned.get("number")
        if building and number:
            try:
                cleaned["unit"] = services.find_unit(building.community, building.pk, number)
            except services.PeopleError as error:
                self.add_error("number", error)
        return cleaned


class MoveOutForm(forms.Form):
    end_date = forms.DateField(label=gettext_lazy("Moved out on"), widget=AdminDateInput)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The resident sees this reason."),
    )


class AddStaffRoleForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email address"))
    full_name = forms.CharField(
        label=gettext_lazy("Full name"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Needed when this person has no account yet."),
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"))
    office = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Office"), required=False)
    company = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Company"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = user
        self.is_hq = access.is_headquarters(user)
        roles = StaffRole.choices if self.is_hq else [c for c in StaffRole.choices if c[0] != StaffRole.HEADQUARTERS]
        self.fields["role"].choices = roles
        offices = access.staff_offices(user).order_by("name")
        office_field = self.fields["office"]
        office_field.queryset = offices
        office_field.empty_label = _("Choose the office")
        if self.is_hq:
            office_field.help_text = _("Required for every role except headquarters.")
        elif len(offices) == 1:
            office_field.initial = offices[0].pk
        if user.is_superuser:
            companies = Company.objects.all()
        else:
            companies = Company.objects.filter(pk__in=access.headquarters_company_ids(user))
        self.fields["company"].queryset = companies
        if not self.is_hq or companies.count() <= 1:
            del self.fields["company"]
            self._only_company = companies.first()

    def clean(self):
        cleaned = super().clean()
        role, office = cleaned.get("role"), cleaned.get("office")
        if role == StaffRole.HEADQUARTERS:
            cleaned["office"] = None
            company = cleaned.get("company") or getattr(self, "_only_company", None)
            if company is None:
                self.add_error("company", _("Choose the company."))
            cleaned["company"] = company
        elif role:
            if office is None:
                self.add_error("office", _("Choose the office this role works in."))
            else:
                cleaned["company"] = office.region.company
        email = cleaned.get("email")
        if email and not get_user_model().objects.filter(email__iexact=email).exists() and not cleaned.get("full_name"):
            self.add_error("full_name", _("This person has no account yet: enter their full name to create one."))
        return cleaned


# --- views ---------------------------------------------------------------------------------------


class PeopleActionMixin(PermissionCheckedMixin, WagtailAdminTemplateMixin):
    """A back-office view about one object of the user's offices (else 404)."""

    model = None
    scope = None
    header_icon = "user"
    index_url_name = None
    object_select_related: tuple[str, ...] = ()

    @cached_property
    def object(self):
        queryset = self.model.objects.select_related(*self.object_select_related)
        if not access.is_staff_member(self.request.user):
            raise Http404
        try:
            return self.scope(self.request.user, queryset).get(pk=self.kwargs["pk"])
        except (self.model.DoesNotExist, ValueError, TypeError):
            raise Http404 from None

    def dispatch(self, request, *args, **kwargs):
        if "pk" in kwargs:
            self.object  # noqa: B018  (404 before anything else for objects outside the user's offices)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": self.model._meta.verbose_name_plural.capitalize()},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "pk" in self.kwargs:
            context["object"] = self.object
        return context

    def done(self):
        return redirect(self.index_url_name)


class IssueInvitationView(PeopleActionMixin, FormView):
    model = Invitation
    permission_required = "add"
    template_name = "people/admin/form.html"
    header_icon = "key"
    form_class = IssueInvitationForm
    detail_url_name = None

    def get_page_title(self):
        return _("Issue an invitation code")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        initial = super().get_initial()
        unit_id = self.request.GET.get("unit")
        if unit_id:
            from portal.properties.models import Unit

            unit = access.scope_to_offices(self.request.user, Unit.objects.filter(pk=unit_id)).first() if (
                unit_id.isdigit()
            ) else None
            if unit:
                initial.update(building=unit.building_id, number=unit.number)
        return initial

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "submit_label": _("Issue code")}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            invitation = services.issue_invitation(
                self.request.user, data["unit"], data["role"], data["note"], valid_days=data["valid_days"]
            )
        except services.PeopleError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Invitation code issued for %(unit)s.") % {"unit": invitation.unit})
        return redirect(self.detail_url_name, invitation.pk)


class InvitationDetailView(PeopleActionMixin, TemplateView):
    model = Invitation
    any_permission_required = ["add", "change", "view"]
    template_name = "people/admin/invitation_detail.html"
    header_icon = "key"
    object_select_related = ("unit__building__community__office", "issued_by", "used_by")
    revoke_url_name = None

    def get_page_title(self):
        return _("Invitation %(code)s") % {"code": services.format_code(self.object.code)}

    def get_context_data(self, **kwargs):
        invitation = self.object
        return {
            **super().get_context_data(**kwargs),
            "code": services.format_code(invitation.code),
            "is_open": invitation.used_at is None
            and invitation.revoked_at is None
            and invitation.expires_at > timezone.now(),
            "revoke_url": reverse(self.revoke_url_name, args=[invitation.pk]),
            "signup_url": self.request.build_absolute_uri(reverse("account_signup")),
            "join_url": self.request.build_absolute_uri(reverse("join")),
        }


class RevokeInvitationView(PeopleActionMixin, TemplateView):
    model = Invitation
    permission_required = "change"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            services.revoke_invitation(request.user, self.object)
        except services.PeopleError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Code %(code)s withdrawn.") % {"code": services.format_code(self.object.code)})
        return self.done()


class MoveOutView(PeopleActionMixin, FormView):
    model = ResidentMembership
    permission_required = "change"
    template_name = "people/admin/form.html"
    header_icon = "logout"
    form_class = MoveOutForm
    object_select_related = ("user", "unit__building__community")

    def dispatch(self, request, *args, **kwargs):
        if not access.may_act_in_office(
            request.user, services.RESIDENT_MANAGING_ROLES, self.object.unit.building.community.office_id
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Move out: %(membership)s") % {"membership": self.object}

    def get_initial(self):
        return {"end_date": timezone.localdate()}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "submit_label": _("Record move-out"),
            "intro": _("The resident loses access to this unit from this date. The record stays as history."),
        }

    def form_valid(self, form):
        try:
            services.move_out(self.object, form.cleaned_data["end_date"], by=self.request.user)
        except services.PeopleError as error:
            form.add_error("end_date", error)
            return self.form_invalid(form)
        messages.success(self.request, _("Move-out recorded for %(membership)s.") % {"membership": self.object})
        return self.done()


class DecideJoinRequestView(PeopleActionMixin, FormView):
    model = JoinRequest
    any_permission_required = ["change", "view"]
    template_name = "people/admin/join_request_decide.html"
    header_icon = "user"
    form_class = RejectForm
    object_select_related = ("user", "unit__building__community", "decided_by")

    def get_page_title(self):
        return _("Join request: %(user)s") % {"user": self.object.user}

    def get_context_data(self, **kwargs):
        jr = self.object
        residents = ResidentMembership.objects.active().filter(unit=jr.unit).select_related("user")
        return {
            **super().get_context_data(**kwargs),
            "jr": jr,
            "phone": jr.user.phone,
            "masked_phone": mask_phone(jr.user.phone or ""),
            "residents": residents,
            "can_decide": jr.status == JoinRequest.Status.PENDING
            and self.user_has_permission("change")
            and access.may_act_in_office(
                self.request.user, services.JOIN_DECIDING_ROLES, jr.unit.building.community.office_id
            ),
        }

    def post(self, request, *args, **kwargs):
        if not self.user_has_permission("change"):
            raise PermissionDenied
        if "approve" in request.POST:
            try:
                services.approve_join_request(request.user, self.object)
            except services.PeopleError as error:
                messages.error(request, error.message)
                return redirect(request.path)
            messages.success(request, _("%(user)s now belongs to %(unit)s.") % {
                "user": self.object.user, "unit": self.object.unit})
            return self.done()
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            services.reject_join_request(self.request.user, self.object, form.cleaned_data["reason"])
        except services.PeopleError as error:
            form.add_error("reason", error)
            return self.form_invalid(form)
        messages.success(self.request, _("Request rejected; %(user)s sees your reason.") % {"user": self.object.user})
        return self.done()


class AddStaffRoleView(PeopleActionMixin, FormView):
    model = StaffMembership
    permission_required = "add"
    template_name = "people/admin/form.html"
    header_icon = "user"
    form_class = AddStaffRoleForm

    def get_page_title(self):
        return _("Add a staff role")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "submit_label": _("Add role"),
            "intro": _(
                "A person without an account gets one and an email with a link to set their password. "
                "Staff must then set up two-factor authentication at their first login."
            ),
        }

    def form_valid(self, form):
        data = form.cleaned_data
        User = get_user_model()
        user = User.objects.filter(email__iexact=data["email"]).first()
        created = user is None
        try:
            with transaction.atomic():  # a refused role leaves no half-made account behind
                if created:
                    user = services.create_person(email=data["email"], full_name=data["full_name"], verified=True)
                services.add_staff_role(
                    user, company=data["company"], role=data["role"], office=data["office"], by=self.request.user
                )
        except services.PeopleError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        if created:
            from allauth.account.forms import ResetPasswordForm

            reset = ResetPasswordForm(data={"email": user.email})
            if reset.is_valid():
                reset.save(self.request)
        messages.success(
            self.request,
            _("%(user)s is now %(role)s.") % {"user": user, "role": StaffRole(data["role"]).label},
        )
        return self.done()


class EndStaffRoleView(PeopleActionMixin, FormView):
    model = StaffMembership
    permission_required = "change"
    template_name = "people/admin/form.html"
    header_icon = "user"
    form_class = MoveOutForm
    object_select_related = ("user", "office__region", "company")

    def get_page_title(self):
        return _("End role: %(membership)s") % {"membership": self.object}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["end_date"].label = _("Last day in this role")
        return form

    def get_initial(self):
        return {"end_date": timezone.localdate()}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "submit_label": _("End role"),
            "intro": _("The person loses this role's screens and data from this date. The record stays as history."),
        }

    def form_valid(self, form):
        try:
            services.end_staff_role(self.object, form.cleaned_data["end_date"], by=self.request.user)
        except services.PeopleError as error:
            form.add_error("end_date", error)
            return self.form_invalid(form)
        messages.success(self.request, _("Role ended: %(membership)s.") % {"membership": self.object})
        return self.done()
