"""Every URL pattern of the site and the back office, and what the security suite does with it.

``our_patterns()`` walks ``get_resolver()``; each pattern is ours unless an explicit, reasoned rule in
``EXEMPT`` says it belongs to Wagtail or allauth (their own permission systems guard them, and none takes an
id of a household's, office's or merchant's object). Each of ours needs a ``Case``: generic model viewsets get
one derived from the model they edit; every other pattern with arguments is listed in ``CASES``; patterns
without arguments are lists, checked for rows of office A leaking to outsiders. A new pattern with arguments
and no case fails ``test_every_pattern_has_a_case_or_an_exemption`` with its name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# Who must be refused, by what the object belongs to.
OFFICE = ("manager_b", "other_company_hq", "resident")  # a back-office object of office A
HOUSEHOLD = ("neighbour", "far_resident", "manager_b")  # something of the resident's household in unit A-1101
COMMUNITY = ("far_resident", "manager_b")  # something of community A that any of its residents may see
MERCHANT = ("shop_owner_b", "resident", "manager_b")  # merchant A's shop back room
TECHNICIAN = ("manager_b", "resident", "neighbour")  # a job of office A's technician
# Who requests every list (pattern without arguments): none may see office A's or the household's rows.
LIST_OUTSIDERS = ("manager_b", "other_company_hq", "far_resident", "neighbour", "shop_owner_b")


@dataclass(frozen=True)
class Pattern:
    key: str  # the namespaced URL name, or the route for an unnamed pattern
    route: str
    callback: Callable
    arguments: tuple[str, ...]

    @property
    def model(self):
        initkwargs = getattr(self.callback, "view_initkwargs", None) or {}
        return initkwargs.get("model") or getattr(getattr(self.callback, "view_class", None), "model", None)


@dataclass(frozen=True)
class Case:
    kwargs: Callable  # world -> URL kwargs (or a list of paths, for pages served at their own path)
    outsiders: tuple[str, ...]
    # GET ignores the id and shows the requester's own list (the id matters to POST only): GET may answer 200,
    # still without a trace of office A.
    get_shows_own_list: bool = False


def _walk(resolver, prefix="", namespace=None):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            full = f"{namespace}:{ns}" if namespace and ns else ns or namespace
            yield from _walk(entry, prefix + str(entry.pattern), full)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            key = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or route
            yield Pattern(key, route, entry.callback, tuple(entry.pattern.regex.groupindex))


def all_patterns() -> list[Pattern]:
    return list(_walk(get_resolver()))


# --- exemptions: (pattern-key regex, reason) ------------------------------------------------------------

EXEMPT: list[tuple[str, str]] = [
    (
        r"^wagtail(?!_serve$)",
        "Wagtail's own admin, page explorer, images, documents, users, groups, sites, redirects, workflows, "
        "reports and choosers: guarded by Wagtail's permission system (admin access + collection/page permissions); "
        "our scoped page types are probed through their public URLs (notice/news cases) and the page-edit row "
        "of tests/core/test_access_matrix.py",
    ),
    (
        r"^(account|mfa)_",
        "allauth login, sign-up, password, email, phone and two-factor screens: they act only on the signed-in "
        "user's own account (keys in links are single-use, signed tokens); rate limits in test_rate_limits.py",
    ),
    (r"^set_language$", "Django's language switch: sets a cookie, touches no object"),
    (r"^healthz$", "liveness probe: public by design, reveals no data (tests/core/test_infrastructure.py)"),
    (r"^\^media/", "development-only static media server (settings.DEBUG); production serves no /media/ route"),
    (r"^backoffice/test404/$", "Wagtail's 404 test page"),
    (r"^backoffice/\^\.\*/\$$", "Wagtail's catch-all 404 for unknown back-office URLs"),
    (
        r"^(stripe_webhook|notifications:twilio_status|notifications:twilio_inbound)$",
        "provider webhooks: no session, authenticated by signature (test_csrf.py asserts a bad one is refused)",
    ),
]


def exemption(pattern: Pattern) -> str | None:
    for regex, reason in EXEMPT:
        if re.search(regex, pattern.key):
            return reason
    return None


def our_patterns() -> list[Pattern]:
    return [p for p in all_patterns() if exemption(p) is None]


# Ours, and public by design: anonymous visitors get them (outsiders are still checked for office A's data).
PUBLIC = {
    "voting:verify": "a voter checks a receipt code; the page shows no name and no unit (art. 278 transparency)",
}


# --- cases for patterns with arguments ----------------------------------------------------------------------


def pk(attr, name="pk"):
    return lambda w: {name: getattr(w, attr).pk}


def ref(attr="work_order", **extra):
    return lambda w: {"reference": getattr(w, attr).reference, **extra}


def merchant(**more):
    return lambda w: {"mid": w.market_merchant_a.pk, **{k: v(w) for k, v in more.items()}}


CASES: dict[str, Case] = {
    # resident money
    "my_bill": Case(pk("bill_a"), HOUSEHOLD),
    "payment_result": Case(pk("online_payment_a"), HOUSEHOLD),
    "my_receipt": Case(pk("payment_a"), HOUSEHOLD),
    "my_receipt_pdf": Case(pk("payment_a"), HOUSEHOLD),
    "dummy_gateway": Case(pk("online_payment_a"), HOUSEHOLD),
    # repairs
    "workorders:photo": Case(pk("workorder_photo"), HOUSEHOLD),
    "workorders:job": Case(ref(), TECHNICIAN),
    "workorders:job_action": Case(ref(action="on-the-way"), TECHNICIAN),
    "workorders:detail": Case(ref(), HOUSEHOLD),
    "workorders:action": Case(ref(action="withdraw"), HOUSEHOLD),
    # clubhouse
    "clubhouse:facility": Case(pk("facility_a"), COMMUNITY),
    "clubhouse:book": Case(pk("facility_a"), COMMUNITY),
    "clubhouse:booking": Case(pk("booking_a"), HOUSEHOLD),
    "clubhouse:cancel": Case(pk("booking_a"), HOUSEHOLD),
    "clubhouse:pay": Case(pk("booking_a"), HOUSEHOLD),
    "clubhouse:withdraw": Case(pk("waitlist_entry"), HOUSEHOLD),
    "clubhouse:class": Case(pk("training_class"), COMMUNITY),
    "clubhouse:cancel_enrolment": Case(pk("enrolment"), HOUSEHOLD),
    "clubhouse:withdraw_class_waitlist": Case(pk("class_waitlist_entry"), HOUSEHOLD),
    # owners' meetings
    "voting:meeting": Case(pk("meeting_a"), COMMUNITY),
    "voting:vote": Case(lambda w: {"pk": w.meeting_a.pk, "party_pk": w.party_a.pk}, HOUSEHOLD),
    "voting:proxy": Case(lambda w: {"pk": w.meeting_a.pk, "party_pk": w.party_a.pk}, HOUSEHOLD),
    "voting:results": Case(pk("meeting_a"), COMMUNITY),
    "voting:survey": Case(pk("survey"), COMMUNITY),
    # special services
    "services_catalog:service": Case(pk("service_a"), COMMUNITY),
    "services_catalog:price": Case(pk("service_a"), COMMUNITY),
    "services_catalog:order": Case(pk("service_order_a"), HOUSEHOLD),
    "services_catalog:job": Case(pk("service_order_a"), TECHNICIAN),
    "services_catalog:firm_orders": Case(merchant(), MERCHANT),
    "services_catalog:firm_order": Case(merchant(pk=lambda w: w.service_order_a.pk), MERCHANT),
    # marketplace
    "market_product": Case(pk("product_a"), COMMUNITY),
    "market_payment_done": Case(pk("online_payment_a"), HOUSEHOLD),
    "market_order": Case(pk("market_order_a"), HOUSEHOLD),
    "market_order_action": Case(lambda w: {"pk": w.market_order_a.pk, "action": "cancel"}, HOUSEHOLD),
    "market_group_buy": Case(pk("group_buy"), COMMUNITY),
    "market_group_buy_join": Case(pk("group_buy"), COMMUNITY),
    "market_merchant": Case(merchant(), MERCHANT),
    "market_merchant_products": Case(merchant(), MERCHANT),
    "market_merchant_product_new": Case(merchant(), MERCHANT),
    "market_merchant_product": Case(merchant(pk=lambda w: w.product_a.pk), MERCHANT),
    "market_merchant_orders": Case(merchant(), MERCHANT),
    "market_merchant_order": Case(merchant(pk=lambda w: w.market_order_a.pk), MERCHANT),
    "market_merchant_order_action": Case(
        merchant(pk=lambda w: w.market_order_a.pk, action=lambda w: "accept"), MERCHANT
    ),
    "market_merchant_group_buys": Case(merchant(), MERCHANT),
    "market_merchant_settlements": Case(merchant(), MERCHANT),
    "market_merchant_reviews": Case(merchant(), MERCHANT),
    # notifications and chat
    "notifications:read": Case(pk("notification"), HOUSEHOLD),
    "chat:detail": Case(pk("conversation_a"), HOUSEHOLD),
    "chat:assign": Case(pk("conversation_a"), OFFICE),
    "chat:status": Case(pk("conversation_a"), HOUSEHOLD),
    "chat:upload_photo": Case(pk("conversation_a"), HOUSEHOLD),
    "chat:photo": Case(lambda w: {"pk": w.conversation_a.pk, "message_id": w.chat_photo.pk}, HOUSEHOLD),
    "chat:photo_thumb": Case(lambda w: {"pk": w.conversation_a.pk, "message_id": w.chat_photo.pk}, HOUSEHOLD),
    "chat:work_order": Case(
        lambda w: {"pk": w.conversation_a.pk, "message_id": w.chat_message.pk}, ("manager_b", "other_company_hq")
    ),
    # our back-office screens (the generic model viewsets are derived in ``case_for``)
    "dashboards_progress": Case(lambda w: {"kind": "billing_run", "pk": w.billing_run.pk}, OFFICE),
    "reports_leadership:office": Case(pk("office_a"), OFFICE),
    "reports_leadership:community": Case(pk("community_a"), OFFICE),
    "reports_leadership:building": Case(pk("building_a"), OFFICE),
    "properties_import": Case(lambda w: {"kind": "units"}, ("resident", "far_resident")),
    "properties_import_template": Case(lambda w: {"kind": "units"}, ("resident", "far_resident")),
    "properties_unit:inspect": Case(pk("unit_a"), OFFICE),
    "voting_admin:meeting": Case(pk("meeting_a"), OFFICE),
    "voting_admin:export": Case(pk("meeting_a"), OFFICE),
    "voting_admin:export_pdf": Case(pk("meeting_a"), OFFICE),
    "voting_surveys:detail": Case(pk("survey"), OFFICE),
    "billing_preview": Case(pk("charge_item"), OFFICE),
    "billing_one_off": Case(pk("unit_a", "unit_pk"), OFFICE),
    "billing_runs:detail": Case(pk("billing_run"), OFFICE),
    "documents_receipt_pdf": Case(pk("payment_a"), OFFICE),
    "documents_notice_batch": Case(pk("notice_batch_a"), OFFICE),
    "documents_notice_batch_file": Case(pk("notice_batch_a"), OFFICE),
    "documents_unit_notice": Case(pk("unit_a"), OFFICE),
    "documents_unit_notice_pdf": Case(pk("unit_a"), OFFICE),
    "market_admin_merchant": Case(pk("market_merchant_a"), OFFICE),
    "market_admin_licence": Case(pk("market_merchant_a"), OFFICE),
    "notifications_campaign": Case(pk("campaign_a"), OFFICE),
    "people_residents:move_out": Case(pk("membership"), OFFICE),
    "people_invitations:detail": Case(pk("invitation"), OFFICE),
    "people_invitations:revoke": Case(pk("invitation"), OFFICE),
    "people_join_requests:decide": Case(pk("join_request"), OFFICE),
    "people_staff:end": Case(pk("technician_membership"), OFFICE),
    "audit:inspect": Case(pk("audit_entry"), OFFICE),
    "workorders_board:detail": Case(pk("work_order"), OFFICE),
    "workorders_board:action": Case(lambda w: {"pk": w.work_order.pk, "action": "close"}, OFFICE),
    "meters_readings:decide": Case(pk("held_reading"), OFFICE, get_shows_own_list=True),
    "meters_readings:correct": Case(pk("meter_reading_a"), OFFICE),
    "meters_settings:edit": Case(pk("office_a", "office"), OFFICE),
    "payments_list:receipt": Case(pk("payment_a"), OFFICE),
    "payments_list:detail": Case(pk("payment_a"), OFFICE),
    "payments_list:send_refund": Case(pk("refund_a"), OFFICE),
    "payments_events:detail": Case(pk("provider_event"), OFFICE),
    "adjustments_requests:action": Case(pk("adjustment_request"), OFFICE),
    "adjustments_bills:detail": Case(pk("bill_a"), OFFICE),
    "adjustments_policies:edit": Case(pk("office_a", "office_id"), OFFICE),
    "deposits:detail": Case(pk("deposit_a"), OFFICE),
    "deposits:receipt": Case(pk("deposit_a"), OFFICE),
    "collection_batches:detail": Case(pk("collection_batch"), OFFICE),
    "collection_batches:download": Case(pk("collection_batch"), OFFICE),
    "collection_mandates:edit": Case(pk("mandate"), OFFICE),
    "services_orders:detail": Case(pk("service_order_a"), OFFICE),
    # Wagtail serves our scoped page types (notices and news of community A) at their own paths.
    "wagtail_serve": Case(lambda w: [w.notice.url, w.news.url], COMMUNITY),
}

# Model viewsets whose objects belong to the company, not an office.
COMPANY_LEVEL = {"properties.Company": "company", "properties.Region": "region"}


def _viewset_object(world, model):
    from portal import access

    label = model._meta.label
    if label in COMPANY_LEVEL:
        return getattr(world, COMPANY_LEVEL[label])
    path = access.office_path(model)
    obj = model.objects.filter(**{path: world.office_a.pk}).order_by("pk").first()
    if obj is None:
        raise LookupError(f"the security world has no {label} of office A: add one to tests/security/world.py")
    return obj


def case_for(pattern: Pattern) -> Case | None:
    """The case of a pattern: listed in CASES, derived for a model viewset, or a list (no arguments)."""
    if pattern.key in CASES:
        return CASES[pattern.key]
    if pattern.arguments == ("pk",) and pattern.model is not None:
        model = pattern.model
        return Case(lambda w: {"pk": _viewset_object(w, model).pk}, OFFICE)
    if not pattern.arguments:
        return Case(lambda w: {}, LIST_OUTSIDERS)
    return None
