"""A ``twilio.http.HttpClient`` that captures requests and answers from a script: never the network."""

import json

from twilio.http import HttpClient
from twilio.http.response import Response


class CapturingHttpClient(HttpClient):
    def __init__(self, answers=None):
        super().__init__(logger=None, is_async=False)
        self.requests = []
        self.answers = list(answers or [])

    def request(
        self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False
    ):
        self.requests.append({"method": method, "uri": uri, "data": dict(data or {}), "auth": auth})
        status, body = self.answers.pop(0) if self.answers else (201, None)
        if isinstance(body, Exception):
            raise body
        if body is None:
            n = len(self.requests)
            body = {"sid": f"SM{n:032d}", "status": "queued", "to": data.get("To"), "body": data.get("Body")}
        return Response(status, json.dumps(body))


def twilio_error(code, message):
    return {"code": code, "message": message, "more_info": "https://www.twilio.com/docs/errors", "status": 400}
