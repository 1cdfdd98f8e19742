"""Surveys and polls (not legal decisions): one response per household, results in percent."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal.access import may_act_in_office, resident_units

from .models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from .services import CLERK_ROLES
from .tally import percent

MULTIPLE_MARK = "[multiple]"


def parse_questions(text: str) -> list[tuple[str, bool, list[str]]]:
    """Staff write questions as lines, each followed by its options on lines starting with "*".

    A question ending with "[multiple]" allows several answers. Every question needs two options.
    """
    questions: list[tuple[str, bool, list[str]]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("*"):
            if not questions:
                raise ValidationError(_("Line %(line)d: an option comes before any question.") % {"line": number})
            option = line.lstrip("*").strip()
            if option:
                questions[-1][2].append(option)
            continue
        multiple = line.lower().endswith(MULTIPLE_MARK)
        if multiple:
            line = line[: -len(MULTIPLE_MARK)].strip()
        questions.append((line, multiple, []))
    if not questions:
        raise ValidationError(_("Write at least one question, with its options on lines starting with *."))
    for question, _multiple, options in questions:
        if len(options) < 2:
            raise ValidationError(_("The question “%(question)s” needs at least two options.") % {"question": question})
    return questions


def create_survey(by, community, *, title, questions_text, opens_at, closes_at, description="") -> Survey:
    if not may_act_in_office(by, CLERK_ROLES, community.office_id):
        raise PermissionDenied
    if closes_at <= opens_at:
        raise ValidationError(_("The survey must close after it opens."))
    questions = parse_questions(questions_text)
    with transaction.atomic():
        survey = Survey.objects.create(
            community=community,
            title=title,
            description=description,
            opens_at=opens_at,
            closes_at=closes_at,
            created_by=by,
        )
        SurveyQuestion.objects.bulk_create(
            SurveyQuestion(survey=survey, order=i, text=text, multiple=multiple, options=options)
            for i, (text, multiple, options) in enumerate(questions, start=1)
        )
    return survey


def households(user, survey: Survey):
    """The user's units in the survey's community (any resident role answers for the household)."""
    return resident_units(user).filter(building__community=survey.community_id)


def respond(user, survey: Survey, unit, answers: dict[int, list[int]], *, now=None) -> SurveyResponse:
    if not survey.is_open(now):
        raise ValidationError(_("This survey is not open."))
    if not households(user, survey).filter(pk=unit.pk).exists():
        raise ValidationError(_("You can answer only for your own household."))
    questions = {q.pk: q for q in survey.questions.all()}
    rows = []
    for question in questions.values():
        chosen = sorted(set(answers.get(question.pk, [])))
        if not chosen:
            raise ValidationError(_("Answer every question: “%(question)s”.") % {"question": question.text})
        if len(chosen) > 1 and not question.multiple:
            raise ValidationError(_("Choose one answer to “%(question)s”.") % {"question": question.text})
        if any(not 0 <= i < len(question.options) for i in chosen):
            raise ValidationError(_("That answer is not one of the options."))
        rows += [(question, i) for i in chosen]
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(survey=survey, unit=unit, user=user)
            SurveyAnswer.objects.bulk_create(SurveyAnswer(response=response, question=q, option=i) for q, i in rows)
    except IntegrityError:
        raise ValidationError(_("Your household has already answered this survey.")) from None
    return response


@dataclass(frozen=True)
class OptionResult:
    label: str
    count: int
    share: Fraction

    @property
    def percent(self) -> str:
        return percent(self.share)


def results(survey: Survey) -> list[tuple[SurveyQuestion, int, list[OptionResult]]]:
    """Per question: households that answered, and each option's count and share of those households."""
    total = survey.responses.count()
    out = []
    for question in survey.questions.all():
        counts = [0] * len(question.options)
        for option in question.answers.values_list("option", flat=True):
            counts[option] += 1
        out.append(
            (
                question,
                total,
                [
                    OptionResult(label, n, Fraction(n, total) if total else Fraction(0))
                    for label, n in zip(question.options, counts, strict=True)
                ],
            )
        )
    return out
