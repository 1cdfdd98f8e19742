"""Object-level access for every URL pattern of the site and the back office (enumerated, none forgotten).

For each pattern of ours (see urlmap.py), the outsiders of its case request it with ids of office A's,
household A-1101's or merchant A's objects, by GET and by POST: each is refused (403/404/405, or sent away),
and no response carries office A's or the household's data. Anonymous visitors are sent to log in.
Patterns without arguments are lists: outsiders may open them, but never see office A's rows.
"""

import pytest
from django.urls import reverse

from tests.security import urlmap
from tests.security.world import RESIDENT_PHONE

pytestmark = pytest.mark.django_db

PATTERNS = sorted(urlmap.our_patterns(), key=lambda p: p.key)


def test_every_pattern_has_a_case_or_an_exemption():
    missing = [f"{p.key} ({p.route})" for p in PATTERNS if urlmap.case_for(p) is None]
    assert not missing, (
        "URL patterns without an object-access case: add each to tests/security/urlmap.py CASES "
        "(or, for a framework's own screen, a reasoned EXEMPT rule): " + ", ".join(missing)
    )
    keys = {p.key for p in urlmap.all_patterns()}
    stale = sorted(set(urlmap.CASES) - keys)
    assert not stale, f"cases for URL patterns that no longer exist: {stale}"


def office_markers(w):
    """Strings only office A's staff (and, for the household ones, the household) may see."""
    return {
        "A-1101",
        "Resident Ruan",
        "Matrix meeting A",
        "Matrix gym A",
        "Matrix deep cleaning A",
        "Matrix campaign A",
        "W-MATRIX-A",
        "Matrix batch A",
        "Matrix survey A",
        "Matrix yoga A",
        "Teacher Tan A",
        "Tap washer A",
        "Property fee A",
        "Matrix apples A",
        "Matrix group buy A",
        "Water off in building A",
        "Lotus festival in community A",
        *household_markers(w),
    }


def household_markers(w):
    return {
        RESIDENT_PHONE,
        w.work_order.reference,
        w.service_order_a.reference,
        w.market_order_a.number,
        w.booking_a.reference,
        w.payment_a.receipt_number,
        "Matrix chat A",
        "Matrix note A",
        "Ruan junior",
        "Overpaid A",
        "Hardship A",
        "6222020200112233445",
    }


MARKERS_FOR = {
    "manager_b": office_markers,
    "other_company_hq": office_markers,
    "far_resident": office_markers,
    "neighbour": household_markers,
    "shop_owner_b": household_markers,
    "resident": lambda w: {"Matrix batch A", "Matrix campaign A", "Hardship A", "6222020200112233445"},
}


def _paths(pattern, case, w):
    made = case.kwargs(w)
    if isinstance(made, list):
        return made
    if pattern.key == pattern.route:  # unnamed
        return ["/" + pattern.route]
    return [reverse(pattern.key, kwargs=made or None)]


def _refused(response, path):
    if response.status_code in (400, 403, 404, 405):
        return True
    if response.status_code in (301, 302):
        return response["Location"].split("?")[0].rstrip("/") != path.rstrip("/")
    return False


def _leaks(response, markers):
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    text = body.decode(errors="replace")
    return sorted(m for m in markers if m and m in text)


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.key)
def test_outsiders_and_anonymous_are_refused(client, world, pattern):
    case = urlmap.case_for(pattern)
    if case is None:
        pytest.fail(f"no case for {pattern.key}: see test_every_pattern_has_a_case_or_an_exemption")
    problems = []
    for path in _paths(pattern, case, world):
        for method in ("get", "post"):
            client.logout()
            response = getattr(client, method)(path)
            let_in = response.status_code == 200 or (
                response.status_code in (301, 302) and "/login/" not in response["Location"]
            )
            if let_in and pattern.key not in urlmap.PUBLIC:
                problems.append(f"anonymous {method.upper()} {path} -> {response.status_code}")
            for outsider in case.outsiders:
                client.force_login(getattr(world, outsider))
                response = getattr(client, method)(path)
                # An error page may repeat the requested path; what it echoes is not a leak.
                leaks = _leaks(response, {m for m in MARKERS_FOR[outsider](world) if m not in path})
                own_list = case.get_shows_own_list and method == "get" and response.status_code == 200
                if leaks:
                    problems.append(f"{outsider} {method.upper()} {path} shows {leaks}")
                elif pattern.arguments and not own_list and not _refused(response, path):
                    problems.append(f"{outsider} {method.upper()} {path} -> {response.status_code}")
    assert not problems, f"{pattern.key}: " + "; ".join(problems)
