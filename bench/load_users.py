"""The simulated residents of ``bench/load.py``, as locust users. Locust imports this file; run load.py.

Each user holds the session of one demo resident (``LINLI_LOAD_SESSIONS``: a JSON file written by load.py),
so no password hashing runs during the test: residents of a portal are mostly signed in already.
"""

import itertools
import json
import os
import random
import re

from locust import FastHttpUser, between, constant, task

SESSIONS = json.loads(open(os.environ["LINLI_LOAD_SESSIONS"], encoding="utf-8").read())  # noqa: SIM115
_next_session = itertools.count()
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
BILL_CHECKBOX = re.compile(r'name="bill" value="(\d+)"')
GATEWAY = re.compile(r"/pay/test-gateway/(\d+)/")
PAYMENT_RESULT = re.compile(r"/my/payments/(\d+)/")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Resident(FastHttpUser):
    """A signed-in resident: one demo household's owner."""

    abstract = True

    def on_start(self):
        self.me = SESSIONS[next(_next_session) % len(SESSIONS)]
        self.client.cookiejar.set_cookie(_cookie("sessionid", self.me["session"]))
        self.client.cookiejar.set_cookie(_cookie("django_language", "zh-hans"))
        self.paid = False

    def get(self, url, name=None):
        """GET a page that must answer 200 itself: a redirect (to the login page, say) counts as a failure."""
        with self.client.get(url, name=name or url, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                where = response.headers.get("Location", "")
                response.failure(f"{response.status_code} on {url} {where}".strip())
            return response

    def post_form(self, url, data, name, page=None):
        """POST ``data`` with the CSRF token read from ``page`` (else ``url``); returns where it redirects."""
        form = self.get(page or url, name=f"{name} (form)")
        token = CSRF.search(form.text or "")
        if not token:
            return ""
        headers = {"Referer": self.host + (page or url), "X-CSRFToken": token.group(1), **FORM}
        data = _encoded({**data, "csrfmiddlewaretoken": token.group(1)})
        with self.client.post(
            url, data=data, headers=headers, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code not in (200, 302):
                response.failure(f"{response.status_code} on POST {url}")
            return response.headers.get("Location", "") if response.status_code == 302 else ""


class ResidentMix(Resident):
    """What residents do on the portal, weighted by how often they do it, with time to read between pages."""

    wait_time = between(3, 12)

    @task(10)
    def home(self):
        self.get("/my/")

    @task(6)
    def bills(self):
        page = self.get("/my/bills/")
        bill = re.search(r'href="/my/bills/(\d+)/"', page.text or "")
        if bill:
            self.get(f"/my/bills/{bill.group(1)}/", name="/my/bills/[id]/")

    @task(2)
    def pay_with_the_test_gateway(self):
        """Pay what is due with the test gateway, then open the receipt; later visits only look at the page."""
        if self.paid:
            self.get("/my/bills/pay/")
            return
        page = self.get("/my/bills/pay/")
        bills = BILL_CHECKBOX.findall(page.text or "")
        token = CSRF.search(page.text or "")
        if not bills or not token:
            self.paid = True
            return
        data = {"unit": str(self.me["unit"]), "bill": bills, "csrfmiddlewaretoken": token.group(1)}
        headers = {"Referer": self.host + "/my/bills/pay/", "X-CSRFToken": token.group(1), **FORM}
        with self.client.post(
            "/my/bills/pay/", data=_encoded(data), headers=headers, name="/my/bills/pay/ (POST)", allow_redirects=False,
            catch_response=True,
        ) as started:  # fmt: skip
            gateway = started.headers.get("Location", "")
            if not GATEWAY.search(gateway):
                started.failure(f"no redirect to the gateway ({started.status_code})")
                return
        self.paid = True
        done = self.post_form(
            GATEWAY.search(gateway).group(0), {"outcome": "pay", "return": _return_url(gateway)},
            name="/pay/test-gateway/[id]/ (POST)", page=gateway,
        )  # fmt: skip
        payment = PAYMENT_RESULT.search(done)
        if payment:
            self.get(f"/my/payments/{payment.group(1)}/", name="/my/payments/[id]/")
            self.get(f"/my/payments/{payment.group(1)}/receipt/", name="/my/payments/[id]/receipt/")

    @task(5)
    def repairs(self):
        page = self.get("/repairs/")
        order = re.search(r'href="/repairs/([A-Z0-9]+)/"', page.text or "")
        if order:
            self.get(f"/repairs/{order.group(1)}/", name="/repairs/[reference]/")

    @task(1)
    def file_a_repair(self):
        self.post_form(
            "/repairs/new/",
            {
                "unit": str(self.me["unit"]),
                "kind": "repair",
                "area": "home",
                "category": random.choice(["plumbing", "electrical", "door_lock"]),
                "location": "厨房 (kitchen)",
                "description": "水龙头漏水 (load test: the kitchen tap drips)",
            },
            name="/repairs/new/ (POST)",
        )

    @task(4)
    def clubhouse(self):
        page = self.get("/clubhouse/")
        facility = re.search(r'href="/clubhouse/facilities/(\d+)/', page.text or "")
        if facility:
            self.get(f"/clubhouse/facilities/{facility.group(1)}/", name="/clubhouse/facilities/[id]/")

    @task(3)
    def chat(self):
        page = self.get("/chat/")
        conversation = re.search(r'href="/chat/(\d+)/"', page.text or "")
        if conversation:
            url = f"/chat/{conversation.group(1)}/"
            self.post_form(url, {"body": "请问电梯什么时候修好？(load test)"}, name="/chat/[id]/ (POST)")
        else:
            self.post_form(
                "/chat/",
                {"unit": str(self.me["unit"]), "subject": "load test", "body": "你好 (load test)"},
                name="/chat/ (POST, new)",
            )

    @task(2)
    def notifications(self):
        self.get("/notifications/")


class ResidentHomeOnly(Resident):
    """The resident home as fast as the server answers: its throughput, to compare with the trivial view."""

    wait_time = constant(0)

    @task
    def home(self):
        self.get("/my/")


class TrivialView(FastHttpUser):
    """/healthz (no database query): the ceiling set by the server, Django's request handling and this machine."""

    wait_time = constant(0)

    @task
    def healthz(self):
        self.client.get("/healthz", name="/healthz")


def _encoded(data: dict) -> str:
    """A form body; a list value repeats its field (several bills), as a browser sends checkboxes."""
    from urllib.parse import urlencode

    return urlencode(data, doseq=True)


def _return_url(gateway_url):
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(gateway_url).query).get("return", [""])[0]


def _cookie(name, value):
    from http.cookiejar import Cookie

    return Cookie(
        version=0, name=name, value=value, port=None, port_specified=False, domain="127.0.0.1",
        domain_specified=False, domain_initial_dot=False, path="/", path_specified=True, secure=False,
        expires=None, discard=True, comment=None, comment_url=None, rest={},
    )  # fmt: skip
