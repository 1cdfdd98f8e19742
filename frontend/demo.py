"""Demo content for the public site: a few notices per community and some news (``seed_demo`` calls this)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portal.properties.models import Community

from .models import NewsIndexPage, NewsPage, NoticeIndexPage, NoticePage
from .site_setup import ensure_site

NEWS = [
    (
        "物业服务中心延长周末服务时间 (Longer weekend hours at the service centre)",
        "从本月起，服务中心周六、周日开放至晚上八点。From this month the service centre stays open until 8 pm "
        "on weekends.",
        3,
    ),
    (
        "夏季用电安全小贴士 (Staying safe with electricity in summer)",
        "用电高峰期间请勿同时使用多个大功率电器，外出时关闭电源。Avoid running several high-power appliances at "
        "once, and switch off before you go out.",
        9,
    ),
    (
        "2026 年度业主满意度调查结果 (Results of the 2026 residents' survey)",
        "感谢 1,236 户家庭参与调查，总体满意度 96.4%。Thank you to the 1,236 households who took part; overall "
        "satisfaction is 96.4%.",
        20,
    ),
]


@transaction.atomic
def seed_site_content() -> int:
    """Publish demo notices and news once; returns how many pages were created (0 when already there)."""
    ensure_site()
    if NoticePage.objects.exists() or NewsPage.objects.exists():
        return 0
    notices = NoticeIndexPage.objects.get()
    news = NewsIndexPage.objects.get()
    now = timezone.now()
    created = 0
    for community in Community.objects.prefetch_related("buildings").order_by("pk"):
        buildings = list(community.buildings.all())
        specs = [
            dict(
                title="年度消防演练通知 (Fire drill on Saturday)",
                body="<p>本周六上午 9:30 在中心广场举行消防演练，届时警报将鸣响，请勿惊慌。</p>"
                "<p>The fire drill starts at 9:30 on Saturday in the central square; the alarm will sound.</p>",
                pinned=True,
            ),
            dict(
                title="电梯年检安排 (Annual lift inspection)",
                body="<p>下周二上午电梯年检，约两小时暂停使用。</p>"
                "<p>Lifts stop for about two hours on Tuesday morning.</p>",
                urgency=NoticePage.Urgency.IMPORTANT,
            ),
            dict(
                title="春节垃圾清运时间调整 (Holiday rubbish collection)",
                body="<p>春节期间每日上午清运一次。</p><p>Once a day in the morning during the holiday.</p>",
                expires_at=now - timedelta(days=2),
            ),
        ]
        if buildings:
            first = buildings[0]
            specs.insert(
                1,
                dict(
                    title=f"{first.name} 停水通知 (Water cut, building {first.name})",
                    body="<p>因更换主供水阀门，明日 8:00–14:00 停水，请提前储水。</p>"
                    "<p>Water is off tomorrow from 8:00 to 14:00 while the main valve is replaced.</p>",
                    urgency=NoticePage.Urgency.URGENT,
                    expires_at=now + timedelta(days=2),
                    buildings=[first],
                ),
            )
        for spec in specs:
            targets = spec.pop("buildings", [])
            page = NoticePage(community=community, **spec)
            notices.add_child(instance=page)
            page.buildings.set(targets)
            page.save_revision(log_action=False).publish(log_action=False)
            created += 1
    for title, intro, days_ago in NEWS:
        page = NewsPage(
            title=title,
            intro=intro.split("。")[0] + "。",
            date=timezone.localdate() - timedelta(days=days_ago),
            body=[("paragraph", f"<p>{intro}</p>")],
        )
        news.add_child(instance=page)
        page.save_revision(log_action=False).publish(log_action=False)
        created += 1
    return created
