"""The back-office home panel: where the staff member works and what waits for them there."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.components import Component

from portal import access

from .models import Invitation, JoinRequest, ResidentMembership


class StaffHomePanel(Component):
    name = "linli_staff_home"
    order = 10
    template_name = "people/admin/home_panel.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        today = timezone.localdate()
        offices = (
            access.staff_offices(self.user)
            .annotate(
                community_count=Count("communities", distinct=True),
                unit_count=Count("communities__buildings__units", distinct=True),
            )
            .order_by("name")
        )
        office_ids = [office.pk for office in offices]
        in_offices = Q(unit__building__community__office_id__in=office_ids)
        residents = ResidentMembership.objects.active(today).filter(in_offices)
        return {
            "roles": access.active_staff_memberships(self.user),
            "offices": offices,
            "resident_count": residents.values("user_id").distinct().count(),
            "pending_join_requests": JoinRequest.objects.filter(in_offices, status=JoinRequest.Status.PENDING).count(),
            "open_invitations": Invitation.objects.filter(
                in_offices, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
            ).count(),
            "links": [
                (_("Units"), reverse("properties_unit:index")),
                (_("Residents"), reverse("people_residents:index")),
                (_("Join requests"), reverse("people_join_requests:index")),
                (_("Invitations"), reverse("people_invitations:index")),
            ],
        }

