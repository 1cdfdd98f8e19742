"""Demo owners' meetings (run from ``manage.py seed_demo``), in the demo resident's community:

* last spring's meeting, counted and published: a new property-service contract (passed) and raising
  the maintenance fund (a major matter that failed on headcount);
* this month's meeting, open now, with about 45 percent of the owners having voted; the demo resident
  has not voted yet, so a visitor can try the ballot;
* the election of the owners' committee (业委会选举), open now: five seats, seven candidates, about
  half of the owners having voted (the demo resident not yet).

Ballots are written in bulk with the same receipts, signatures and audit chain as the services
write, so ``manage.py verify_voting`` passes on the demo data.
"""

from __future__ import annotations

import datetime
import random
import secrets

from django.db import transaction
from django.utils import timezone

from portal import demo
from portal.people.models import User
from portal.properties.models import Community

from . import services
from .models import AuditEntry, Ballot, Choice, Matter, Meeting, MotionResult, encode_selection

PAST_TITLE = "2026年春季业主大会 (Spring owners' meeting)"
OPEN_TITLE = "2026年第二次业主大会 (Second owners' meeting 2026)"
ELECTION_TITLE = "第三届业主委员会选举 (Election of the third owners' committee)"
ELECTION_SEATS = 5
CANDIDATES = [
    ("王建国 (Wang Jianguo)", "3号楼业主，退休工程师，曾参与电梯更新。Retired engineer, building 3; lift renewal."),
    ("李秀英 (Li Xiuying)", "1号楼业主，会计师，监督维修资金使用。Accountant, building 1; will watch the fund."),
    ("张伟 (Zhang Wei)", "5号楼业主，律师。Lawyer, building 5."),
    ("陈静 (Chen Jing)", "2号楼业主，社区志愿者。Community volunteer, building 2."),
    ("刘洋 (Liu Yang)", "4号楼业主，IT 工程师，推动线上议事。IT engineer, building 4; for online meetings."),
    ("赵敏 (Zhao Min)", "6号楼业主，中学教师。Secondary-school teacher, building 6."),
    ("孙强 (Sun Qiang)", "现任委员，连任候选人。Current member standing again."),
]


def _bulk_ballots(meeting: Meeting, share: float, rng: random.Random, skip_user: User | None, bias: dict) -> int:
    """Ballots for about ``share`` of the roll; ``bias`` maps a motion order to P(for), P(against)."""
    motions = list(meeting.motions.order_by("order"))
    parties = list(meeting.roll.prefetch_related("owners").order_by("pk"))
    last = AuditEntry.objects.filter(meeting=meeting).order_by("-seq").first()
    seq, prev = last.seq, last.hash
    ballots, entries = [], []
    when = max(meeting.opens_at, timezone.now() - datetime.timedelta(days=30))
    for party in parties:
        owners = list(party.owners.all())
        if not owners or rng.random() > share or (skip_user and skip_user in owners):
            continue
        voter = owners[0]
        for motion in motions:
            if motion.is_election:
                choice = _demo_selection(motion, rng)
            else:
                p_for, p_against = bias[motion.order]
                r = rng.random()
                choice = Choice.FOR if r < p_for else Choice.AGAINST if r < p_for + p_against else Choice.ABSTAIN
            nonce = secrets.token_hex(16)
            cast_at = min(when + datetime.timedelta(minutes=rng.randint(0, 60 * 24 * 2)), timezone.now())
            ballot = Ballot(
                motion=motion,
                party=party,
                choice=choice,
                cast_by=voter,
                nonce=nonce,
                cast_at=cast_at,
                receipt=services.receipt_code(meeting.pk, motion.pk, party.key, choice, nonce),
            )
            ballot.signature = services.sign(ballot)
            ballots.append(ballot)
            seq += 1
            payload = {
                "motion": motion.pk,
                "party": party.key,
                "receipt": ballot.receipt,
                "version": 1,
                "channel": ballot.channel,
                "by": voter.pk,
                "signature": ballot.signature,
            }
            digest = services.entry_hash(prev, seq, "ballot", payload)
            entries.append(
                AuditEntry(meeting=meeting, seq=seq, kind="ballot", payload=payload, prev_hash=prev, hash=digest)
            )
            prev = digest
    Ballot.objects.bulk_create(ballots, batch_size=500)
    AuditEntry.objects.bulk_create(entries, batch_size=500)
    return len(ballots)


def _demo_selection(motion, rng: random.Random) -> str:
    """Between one and all seats' worth of candidates, the earlier ones more popular."""
    candidates = list(motion.candidates.order_by("order").values_list("pk", flat=True))
    weights = [len(candidates) - i + 2 for i in range(len(candidates))]
    picked = set()
    for _ in range(rng.randint(1, motion.seats)):
        picked.add(rng.choices(candidates, weights=weights)[0])
    return encode_selection(picked)


def _election(manager, community, resident, rng, now) -> int:
    """The owners' committee election, open now, about half of the owners having voted."""
    opens_at = now - datetime.timedelta(days=1)
    meeting = services.create_meeting(
        manager,
        community,
        title=ELECTION_TITLE,
        description="选举第三届业主委员会委员 5 名，每位业主最多选 5 人。\n"
        "Elect five members of the owners' committee; each owner selects up to five.",
        opens_at=opens_at,
        closes_at=opens_at + datetime.timedelta(days=14),
    )
    motion = services.add_motion(
        manager,
        meeting,
        title="选举业主委员会委员 (Elect the owners' committee)",
        matter=Matter.COMMITTEE,
        text="当选须获得参与表决专有部分面积过半数且参与表决人数过半数的同意。"
        "A candidate needs more than half of the participating area and of the participating owners.",
        seats=ELECTION_SEATS,
    )
    for name, profile in CANDIDATES:
        services.add_candidate(manager, motion, name=name, profile=profile)
    services.announce(manager, meeting, now=opens_at - datetime.timedelta(days=meeting.notice_days, hours=2))
    return 1 + _bulk_ballots(meeting, 0.5, rng, resident, {})


def _meeting(manager, community, title, description, opens_at, motions) -> Meeting:
    meeting = services.create_meeting(
        manager,
        community,
        title=title,
        description=description,
        opens_at=opens_at,
        closes_at=opens_at + datetime.timedelta(days=14),
    )
    for motion_title, matter, text in motions:
        services.add_motion(manager, meeting, title=motion_title, matter=matter, text=text)
    services.announce(manager, meeting, now=opens_at - datetime.timedelta(days=meeting.notice_days, hours=2))
    return meeting


def seed_demo_voting(today: datetime.date) -> int:
    """Create the demo records when missing; returns how many were made."""
    community = Community.objects.filter(code=demo.COMMUNITIES[0].code).first()
    manager = User.objects.filter(email=demo.DEMO_LOGIN_BY_KEY["office_manager"].email).first()
    resident = User.objects.filter(email=demo.DEMO_LOGIN_BY_KEY["resident"].email).first()
    if community is None or manager is None:
        return 0
    rng = random.Random("voting")
    now = timezone.now()
    made = 0
    if not Meeting.objects.filter(community=community, title=ELECTION_TITLE).exists():
        with transaction.atomic():
            made += _election(manager, community, resident, random.Random("election"), now)
    if Meeting.objects.filter(community=community).exclude(title=ELECTION_TITLE).exists():
        return made
    with transaction.atomic():
        past = _meeting(
            manager,
            community,
            PAST_TITLE,
            "本次业主大会就物业服务合同续签和专项维修资金续筹进行表决。\n"
            "The owners decide on renewing the property-service contract and topping up the maintenance fund.",
            now - datetime.timedelta(days=120),
            [
                (
                    "续聘物业服务企业 (Renew the property-service contract)",
                    Matter.PROPERTY_COMPANY,
                    "续签三年，物业费标准不变。Three more years at the same fee.",
                ),
                (
                    "续筹专项维修资金 (Top up the special maintenance fund)",
                    Matter.RAISE_FUND,
                    "每平方米 30 元，用于电梯与屋面维修。¥30 per m² for lifts and roofs.",
                ),
            ],
        )
        made += 1 + _bulk_ballots(past, 0.78, rng, None, {1: (0.72, 0.2), 2: (0.7, 0.25)})
        services.close(past, now=past.closes_at)
        services.count(None, past)
        services.publish(manager, past, now=past.closes_at + datetime.timedelta(days=2))
        made += MotionResult.objects.filter(motion__meeting=past).count()

        current = _meeting(
            manager,
            community,
            OPEN_TITLE,
            "请在投票截止前对以下议题表决。Please vote on these motions before voting closes.",
            now - datetime.timedelta(days=2),
            [
                (
                    "修订业主大会议事规则 (Amend the rules of procedure)",
                    Matter.RULES,
                    "允许电子投票与纸质投票并行。Allow electronic and paper ballots side by side.",
                ),
                (
                    "使用维修资金更换 3 号楼电梯 (Use the fund to replace the lifts of building 3)",
                    Matter.USE_FUND,
                    "预算 86 万元。Budget ¥860,000.",
                ),
                (
                    "地下车库部分改为充电车位 (Turn part of the garage into EV charging bays)",
                    Matter.CHANGE_USE,
                    "改变共有部分用途，需四分之三同意。A change of use of common parts: 3/4 needed.",
                ),
            ],
        )
        made += 1 + _bulk_ballots(current, 0.45, rng, resident, {1: (0.8, 0.1), 2: (0.65, 0.25), 3: (0.6, 0.3)})
        made += _demo_survey(manager, community, rng, resident, now)
    return made


def _demo_survey(manager, community, rng, resident, now) -> int:
    from portal.people.models import ResidentMembership

    from . import surveys
    from .models import SurveyAnswer, SurveyResponse

    survey = surveys.create_survey(
        manager,
        community,
        title="中秋活动安排 (Mid-Autumn festival)",
        questions_text="哪天举办中秋游园会？ (Which day for the festival?)\n* 周六 (Saturday)\n* 周日 (Sunday)\n"
        "希望有哪些活动？ (What would you like?) [multiple]\n* 灯谜 (Lantern riddles)\n* 月饼 DIY (Mooncake making)\n"
        "* 儿童游戏 (Children's games)\n* 露天电影 (Outdoor film)\n",
        opens_at=now - datetime.timedelta(days=3),
        closes_at=now + datetime.timedelta(days=11),
    )
    day, wishes = survey.questions.order_by("order")
    unit_ids = list(
        ResidentMembership.objects.active()
        .filter(unit__building__community=community, role="owner")
        .exclude(user=resident)
        .values_list("unit_id", "user_id")
        .order_by("unit_id")[:4000]
    )
    picked = [row for row in unit_ids if rng.random() < 0.2]
    responses = SurveyResponse.objects.bulk_create(
        SurveyResponse(survey=survey, unit_id=unit_id, user_id=user_id) for unit_id, user_id in picked
    )
    answers = []
    for response in responses:
        answers.append(SurveyAnswer(response=response, question=day, option=0 if rng.random() < 0.62 else 1))
        for option in rng.sample(range(4), rng.randint(1, 3)):
            answers.append(SurveyAnswer(response=response, question=wishes, option=option))
    SurveyAnswer.objects.bulk_create(answers, batch_size=1000)
    return 1 + len(responses)
