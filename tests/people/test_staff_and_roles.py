"""Staff roles carry Django permissions through one group per role, kept in sync by the services."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from portal.people import roles, services
from portal.people.models import StaffMembership, StaffRole
from tests.factories import AccountFactory

from .conftest import assert_refused

pytestmark = pytest.mark.django_db


def role_groups(user):
    return set(user.groups.filter(name__startswith=roles.GROUP_PREFIX).values_list("name", flat=True))


def test_adding_a_role_puts_the_user_in_that_roles_group_with_its_permissions(world):
    user = AccountFactory()
    services.add_staff_role(user, company=world.company, role=StaffRole.FRONT_DESK, office=world.north.office)

    assert role_groups(user) == {"role:front_desk"}
    assert user.has_perm("wagtailadmin.access_admin")
    assert user.has_perm("people.add_invitation")
    assert user.has_perm("properties.view_unit")
    assert not user.has_perm("properties.change_unit")
    assert not user.has_perm("people.add_staffmembership")


def test_every_role_may_open_the_back_office_and_none_gets_the_unscoped_user_screens(world):
    for role, perms in roles.ROLE_PERMISSIONS.items():
        assert roles.ADMIN_ACCESS in perms, role
    group = roles.ensure_role_groups()[StaffRole.HEADQUARTERS]
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"change_unit", "add_invitation", "view_auditentry", "add_staffmembership"} <= codenames
    assert not {"add_user", "change_user", "delete_user"} & codenames


def test_office_managers_manage_the_property_tree_and_people_of_their_office(world, office_manager):
    for perm in ("properties.add_unit", "properties.change_building", "properties.delete_parkingspace",
                 "properties.view_community", "people.change_residentmembership", "people.add_staffmembership",
                 "audit.view_auditentry"):
        assert office_manager.has_perm(perm), perm
    assert not office_manager.has_perm("properties.change_community")


def test_syncing_is_idempotent_and_leaves_other_groups_alone(world):
    user = AccountFactory()
    editors = Group.objects.create(name="News editors")
    user.groups.add(editors)
    services.add_staff_role(user, company=world.company, role=StaffRole.HOUSEKEEPER, office=world.north.office)
    groups_before = Group.objects.count()

    roles.sync_staff_groups(user)
    roles.sync_staff_groups(user)

    assert Group.objects.count() == groups_before
    assert role_groups(user) == {"role:housekeeper"}
    assert editors in user.groups.all()


def test_ending_a_role_removes_its_group_but_keeps_the_record(world):
    user = AccountFactory()
    membership = services.add_staff_role(
        user, company=world.company, role=StaffRole.BILLING_CLERK, office=world.north.office
    )
    services.add_staff_role(user, company=world.company, role=StaffRole.TECHNICIAN, office=world.south.office)

    services.end_staff_role(membership)

    assert role_groups(user) == {"role:technician"}
    membership.refresh_from_db()
    assert membership.end_date is not None


def test_sync_all_staff_groups_repairs_groups_changed_by_hand(world):
    user = AccountFactory()
    services.add_staff_role(user, company=world.company, role=StaffRole.FRONT_DESK, office=world.north.office)
    user.groups.clear()
    roles.sync_all_staff_groups()
    assert role_groups(user) == {"role:front_desk"}


def test_an_office_manager_may_give_roles_in_their_office_only(world, office_manager):
    newcomer = AccountFactory()
    services.add_staff_role(
        newcomer, company=world.company, role=StaffRole.HOUSEKEEPER, office=world.north.office, by=office_manager
    )
    with pytest.raises(PermissionDenied):
        services.add_staff_role(
            newcomer, company=world.company, role=StaffRole.HOUSEKEEPER, office=world.south.office, by=office_manager
        )
    with pytest.raises(PermissionDenied):
        services.add_staff_role(newcomer, company=world.company, role=StaffRole.HEADQUARTERS, by=office_manager)


def test_front_desk_cannot_give_anyone_a_role(world, front_desk):
    with pytest.raises(PermissionDenied):
        services.add_staff_role(
            AccountFactory(), company=world.company, role=StaffRole.FRONT_DESK, office=world.north.office,
            by=front_desk,
        )


def test_an_office_manager_adds_a_new_colleague_who_gets_a_set_password_mail(client, world, office_manager):
    client.force_login(office_manager)

    response = client.post(
        reverse("people_staff:add"),
        {"email": "Tech.New@example.com", "full_name": "Tian Tech", "role": "technician",
         "office": world.north.office.pk},
    )

    assert response.status_code == 302
    membership = StaffMembership.objects.get(user__email__iexact="tech.new@example.com")
    assert (membership.role, membership.office) == ("technician", world.north.office)
    assert role_groups(membership.user) == {"role:technician"}
    assert not membership.user.has_usable_password()
    assert EmailAddress.objects.get(user=membership.user).verified
    assert mail.outbox[0].to == [membership.user.email]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_the_staff_form_offers_only_ones_own_offices_and_no_headquarters_role(client, world, office_manager):
    client.force_login(office_manager)
    page = client.get(reverse("people_staff:add")).content.decode()
    assert f'value="{world.north.office.pk}"' in page
    assert f'value="{world.south.office.pk}"' not in page
    assert 'value="headquarters"' not in page


def test_a_refused_staff_role_leaves_no_new_account_behind(client, world, office_manager):
    from portal.people.models import User

    client.force_login(office_manager)
    response = client.post(
        reverse("people_staff:add"),
        {"email": "x@example.com", "full_name": "X", "role": "technician", "office": world.south.office.pk},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="x@example.com").exists()


def test_the_staff_list_shows_only_ones_own_office(client, world, office_manager, other_office_staff, front_desk):
    client.force_login(office_manager)
    page = client.get(reverse("people_staff:index")).content.decode()
    assert "Fang Desk" in page
    assert "Sun South" not in page


def test_staff_of_another_office_cannot_end_a_role_here(client, world, front_desk, other_office_staff):
    membership = StaffMembership.objects.get(user=front_desk)
    client.force_login(other_office_staff)
    url = reverse("people_staff:end", args=[membership.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"end_date": "2030-01-01"}).status_code == 404


def test_an_office_manager_ends_a_colleagues_role(client, world, front_desk, office_manager):
    from django.utils import timezone

    membership = StaffMembership.objects.get(user=front_desk)
    client.force_login(office_manager)

    response = client.post(
        reverse("people_staff:end", args=[membership.pk]), {"end_date": timezone.localdate().isoformat()}
    )

    assert response.status_code == 302
    assert role_groups(front_desk) == set()
    client.force_login(front_desk)
    assert_refused(client.get(reverse("people_invitations:index")))


def test_headquarters_see_and_manage_every_office(client, world, make_staff, front_desk, other_office_staff):
    hq = make_staff(StaffRole.HEADQUARTERS, full_name="He Quarters")
    client.force_login(hq)
    page = client.get(reverse("people_staff:index")).content.decode()
    assert "Fang Desk" in page and "Sun South" in page and "He Quarters" in page
    services.add_staff_role(AccountFactory(), company=world.company, role=StaffRole.HEADQUARTERS, by=hq)


def test_an_office_manager_cannot_end_their_own_role(world, office_manager):
    with pytest.raises(services.StaffRoleError, match="your own role"):
        services.end_staff_role(StaffMembership.objects.get(user=office_manager), by=office_manager)


class TestRolePagePermissions:
    """Office roles publish news and notices in the site's sections; other roles do not."""

    @pytest.fixture
    def sections(self, db):
        from frontend.models import NewsIndexPage, NoticeIndexPage
        from frontend.site_setup import ensure_site

        ensure_site()
        return NoticeIndexPage.objects.get(), NewsIndexPage.objects.get()

    @pytest.mark.parametrize("role", [StaffRole.OFFICE_MANAGER, StaffRole.FRONT_DESK, StaffRole.HOUSEKEEPER])
    def test_office_roles_may_publish_in_the_news_and_notice_sections(self, sections, world, role):
        user = AccountFactory()
        services.add_staff_role(user, company=world.company, role=role, office=world.north.office)
        for section in sections:
            permissions = section.permissions_for_user(user)
            assert permissions.can_add_subpage()
            assert permissions.can_publish_subpage()

    @pytest.mark.parametrize("role", [StaffRole.TECHNICIAN, StaffRole.BILLING_CLERK])
    def test_other_roles_may_not_publish(self, sections, world, role):
        user = AccountFactory()
        services.add_staff_role(user, company=world.company, role=role, office=world.north.office)
        for section in sections:
            assert not section.permissions_for_user(user).can_add_subpage()

    def test_sections_created_after_the_roles_still_get_the_permissions(self, world):
        from frontend.models import NoticeIndexPage
        from frontend.site_setup import ensure_site
        user = AccountFactory()
        services.add_staff_role(user, company=world.company, role=StaffRole.OFFICE_MANAGER, office=world.north.office)
        ensure_site()
        assert NoticeIndexPage.objects.get().permissions_for_user(user).can_add_subpage()
