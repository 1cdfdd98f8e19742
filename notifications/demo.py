"""Demo data of this app (run from ``manage.py seed_demo``): the demo resident's notifications, a chat with
their housekeeper, and a sent announcement campaign of the first office."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from portal import access, demo

from .models import Campaign, Conversation, Notification


def _user(key):
    return get_user_model().objects.filter(email=demo.DEMO_LOGIN_BY_KEY[key].email).first()


def seed_demo_notifications(today: datetime.date) -> int:
    """Create the demo records when missing; returns how many were made."""
    resident, desk = _user("resident"), _user("front_desk")
    if resident is None:
        return 0
    unit = access.resident_units(resident).first()
    if unit is None:
        return 0
    made = 0
    with transaction.atomic():
        if not Notification.objects.filter(recipient=resident, event="notifications.demo").exists():
            Notification.objects.bulk_create(
                [
                    Notification(
                        recipient=resident,
                        event="notifications.demo",
                        title="本月物业费账单已出",
                        body="您 1号楼 1201 的本月账单已生成,可在“我的账单”中在线支付。",
                        url="/my/",
                    ),
                    Notification(
                        recipient=resident,
                        event="notifications.demo",
                        title="停水通知",
                        urgent=True,
                        body="周五 9:00–12:00 1号楼更换水泵,届时停水,请提前储水。",
                    ),
                ]
            )
            made += 2
        if not Conversation.objects.filter(resident=resident).exists():
            from . import chat

            conversation = chat.open_conversation(
                resident, unit, "楼道灯不亮", "12楼楼道的灯坏了两天了,麻烦安排人看看。"
            )
            keeper = conversation.assignee
            if keeper is not None:
                chat.post_message(keeper, conversation, "收到,今天下午安排电工上门检查。")
            made += 1
        office = unit.building.community.office
        if desk is not None and not Campaign.objects.filter(office=office, title="电梯年检通知").exists():
            from . import campaigns

            campaign = Campaign.objects.create(
                office=office,
                title="电梯年检通知",
                message="本周六上午1号楼电梯年检,暂停使用约2小时,敬请谅解。",
                building=unit.building,
                created_by=desk,
            )
            campaigns.send_campaign(campaign, by=desk, today=today)
            made += 1
    return made
