"""Surveys and polls: one answer per household (any resident of it), results in percent."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from portal.voting import surveys
from portal.voting.models import SurveyResponse

pytestmark = pytest.mark.django_db

QUESTIONS = """Which day for the Mid-Autumn festival?
* Saturday
* Sunday
What should we have? [multiple]
* Lanterns
* Mooncakes
* Music
"""


@pytest.fixture
def survey(clerk, site, estate):
    now = timezone.now()
    return surveys.create_survey(
        clerk,
        site.community,
        title="Festival poll",
        questions_text=QUESTIONS,
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=3),
    )


def answer(client, user, survey, unit, data):
    client.force_login(user)
    return client.post(reverse("voting:survey", args=[survey.pk]), {"unit": unit.pk, **data})


def test_staff_write_questions_as_lines_with_starred_options(survey):
    first, second = survey.questions.all()
    assert (first.text, first.multiple, first.options) == (
        "Which day for the Mid-Autumn festival?",
        False,
        ["Saturday", "Sunday"],
    )
    assert second.multiple and second.options == ["Lanterns", "Mooncakes", "Music"]


def test_a_question_with_one_option_is_refused_with_its_name():
    with pytest.raises(ValidationError, match="“Lonely” needs at least two options"):
        surveys.parse_questions("Lonely\n* only\n")


def test_a_tenant_answers_for_the_household_and_results_show_percentages(client, survey, estate):
    unit = estate.units["301"]
    q1, q2 = survey.questions.all()
    response = answer(client, estate.tenant, survey, unit, {f"q{q1.pk}": "1", f"q{q2.pk}": ["0", "1"]})
    assert response.status_code == 302
    page = client.get(reverse("voting:survey", args=[survey.pk])).content.decode()
    assert "100.00" in page and "1 household answered" in page


def test_one_answer_per_household_even_from_two_people(client, survey, estate):
    unit = estate.units["301"]
    q1, q2 = survey.questions.all()
    data = {f"q{q1.pk}": "0", f"q{q2.pk}": "2"}
    assert answer(client, estate.chen, survey, unit, data).status_code == 302
    with pytest.raises(ValidationError, match="already answered"):
        surveys.respond(estate.family, survey, unit, {q1.pk: [1], q2.pk: [0]})
    assert SurveyResponse.objects.count() == 1


def test_a_neighbour_cannot_answer_for_another_household(survey, estate):
    q1, q2 = survey.questions.all()
    with pytest.raises(ValidationError, match="own household"):
        surveys.respond(estate.li, survey, estate.units["301"], {q1.pk: [0], q2.pk: [0]})


def test_two_answers_to_a_single_choice_question_are_refused(survey, estate):
    q1, q2 = survey.questions.all()
    with pytest.raises(ValidationError, match="Choose one answer"):
        surveys.respond(estate.chen, survey, estate.units["301"], {q1.pk: [0, 1], q2.pk: [0]})


def test_results_are_shares_of_the_households_that_answered(survey, estate):
    q1, q2 = survey.questions.all()
    surveys.respond(estate.chen, survey, estate.units["301"], {q1.pk: [0], q2.pk: [0, 1]})
    surveys.respond(estate.li, survey, estate.units["101"], {q1.pk: [0], q2.pk: [1]})
    surveys.respond(estate.wang, survey, estate.units["201"], {q1.pk: [1], q2.pk: [1, 2]})
    (_q, total, days), (_q2, _t, wishes) = surveys.results(survey)
    assert total == 3
    assert [(o.count, o.percent) for o in days] == [(2, "66.67"), (1, "33.33")]
    assert [o.count for o in wishes] == [1, 3, 1]


def test_another_offices_staff_cannot_create_a_survey_here(other_manager, site):
    from django.core.exceptions import PermissionDenied

    now = timezone.now()
    with pytest.raises(PermissionDenied):
        surveys.create_survey(
            other_manager,
            site.community,
            title="x",
            questions_text=QUESTIONS,
            opens_at=now,
            closes_at=now + datetime.timedelta(days=1),
        )


def test_staff_create_a_survey_and_read_its_results_in_the_back_office(client, clerk, site, other_manager):
    client.force_login(clerk)
    response = client.post(
        reverse("voting_surveys:new"),
        {
            "community": site.community.pk,
            "title": "Cleaning satisfaction",
            "questions": "Happy?\n* Yes\n* No",
            "opens_at": "2026-01-01T08:00",
            "closes_at": "2026-01-08T08:00",
        },
    )
    assert response.status_code == 302
    detail = client.get(response["Location"])
    assert detail.status_code == 200 and "Happy?" in detail.content.decode()
    client.force_login(other_manager)
    assert client.get(response["Location"]).status_code == 404
