"""A small world for the site tests: two offices, their communities, residents, notices and news."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from wagtail.models import GroupPagePermission

from frontend.models import NewsIndexPage, NewsPage, NoticeIndexPage, NoticePage
from frontend.site_setup import ensure_site
from portal.people.models import StaffRole
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    GridFactory,
    ResidentMembershipFactory,
    StaffMembershipFactory,
    UnitFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _plain_settings(settings):
    settings.STAFF_MFA_REQUIRED = False
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def home(db):
    return ensure_site()


def publish_notice(title, community, *, buildings=(), body="<p>Details follow.</p>", published_at=None, **fields):
    index = NoticeIndexPage.objects.get()
    page = NoticePage(title=title, community=community, body=body, **fields)
    index.add_child(instance=page)
    page.buildings.set(buildings)
    page.save_revision().publish()
    if published_at is not None:
        NoticePage.objects.filter(pk=page.pk).update(first_published_at=published_at)
        page.refresh_from_db()
    return page


def publish_news(title, *, community=None, intro="", days_ago=0):
    index = NewsIndexPage.objects.get()
    page = NewsPage(title=title, community=community, intro=intro, date=timezone.localdate() - timedelta(days=days_ago))
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


@dataclass
class World:
    community: object
    building: object
    other_building: object
    other_community: object
    resident: object
    unit: object
    housekeeper: object
    building_neighbour: object
    neighbour_unit: object
    outsider: object
    outsider_unit: object


@pytest.fixture
def world(home):
    """A resident of building A, a neighbour in building B of the same community, an outsider elsewhere."""
    community = CommunityFactory(name="Green Court")
    building = BuildingFactory(community=community, name="3")
    other_building = BuildingFactory(community=community, name="5")
    housekeeper = UserFactory(full_name="Wang Fang", phone="+8613812345678")
    grid = GridFactory(community=community, name="Grid One", housekeeper=housekeeper)
    unit = UnitFactory(building=building, grid=grid, number="1201", floor=12)
    resident = ResidentMembershipFactory(unit=unit, user__full_name="Li Ming").user
    neighbour_unit = UnitFactory(building=other_building, number="0302", floor=3)
    building_neighbour = ResidentMembershipFactory(unit=neighbour_unit, user__full_name="Zhou Lan").user
    other_community = CommunityFactory(name="River Park")
    outsider_unit = UnitFactory(building__community=other_community, number="2801", floor=28)
    outsider = ResidentMembershipFactory(unit=outsider_unit, user__full_name="Zhao Qiang").user
    return World(
        community=community,
        building=building,
        other_building=other_building,
        other_community=other_community,
        resident=resident,
        unit=unit,
        housekeeper=housekeeper,
        building_neighbour=building_neighbour,
        neighbour_unit=neighbour_unit,
        outsider=outsider,
        outsider_unit=outsider_unit,
    )


@pytest.fixture
def notice_editors(home):
    """A back-office group that may add, edit, publish and delete pages under the news and notice sections."""
    group = Group.objects.create(name="Site editors")
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    for index in (NoticeIndexPage.objects.get(), NewsIndexPage.objects.get()):
        for action in ("add", "change", "publish", "delete"):
            GroupPagePermission.objects.create(group=group, page=index, permission_type=action)
    return group


@pytest.fixture
def make_editor(notice_editors):
    def make(office, role=StaffRole.OFFICE_MANAGER):
        membership = StaffMembershipFactory(office=office, role=role)
        membership.user.groups.add(notice_editors)
        return membership.user

    return make
