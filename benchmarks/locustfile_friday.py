"""Locust users of the Friday-evening peak (run by ``benchmarks/friday_evening.py``, never imported by it).

``FRIDAY_PLAN`` names a JSON file the orchestrator wrote: the platform's URL, teacher accounts
(username, password; one locust user each, so no two users submit the same obligation), tổ trưởng
and principals with their access tokens (principals also with their signing credential), and the
lesson-plan files (1–5 MB PDFs). Each step is also recorded as one request of type ``STEP``
(its whole duration, every call in it), beside the step's individual HTTP calls.

Teachers: sign in through the whole code flow, then twice open "Việc của tôi", upload a lesson plan
and submit it; then sign in again. Tổ trưởng: approve what their queue holds, up to 20 at once.
Principals: batch-sign up to 10 học bạ of their signing queue. An empty queue waits a second
unrecorded.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import gevent
from locust import HttpUser, constant, task

from benchmarks._friday_steps import LESSON_PLAN, approve_batch, my_work, sign_batch, sign_in, submit, upload

PLAN: dict[str, Any] = json.loads(Path(os.environ["FRIDAY_PLAN"]).read_text(encoding="utf-8"))
URL: str = PLAN["url"]
FILES = [Path(p).read_bytes() for p in PLAN["files"]]
PLANS_PER_SESSION = 2
_teachers = itertools.count()
_approvers = itertools.count()
_principals = itertools.count()
T = TypeVar("T")


def _step(user: HttpUser, name: str, fn: Callable[[], T], *, record: Callable[[T], bool] = lambda _: True) -> T | None:
    """Run one step and record its whole duration as a ``STEP`` request (failed when it raised)."""
    started = time.perf_counter()
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001 - every failure of a step is recorded as its error
        user.environment.events.request.fire(request_type="STEP", name=name, response_time=(time.perf_counter() - started) * 1000,
                                             response_length=0, exception=exc, context={})
        return None
    if record(result):
        user.environment.events.request.fire(request_type="STEP", name=name, response_time=(time.perf_counter() - started) * 1000,
                                             response_length=0, exception=None, context={})
    return result


class Teacher(HttpUser):
    """A teacher on Friday evening: signs in, uploads this week's lesson plans and submits them."""

    weight = 1
    wait_time = constant(0)

    def on_start(self) -> None:
        self.account = PLAN["teachers"][next(_teachers) % len(PLAN["teachers"])]

    @task
    def evening(self) -> None:
        token = _step(self, "sign-in", lambda: sign_in(self.client, URL, self.account["username"], self.account["password"]))
        if token is None:
            return
        for _ in range(PLANS_PER_SESSION):
            todo = _step(self, "mywork", lambda: my_work(self.client, URL, token))
            if not todo:
                gevent.sleep(1)
                return
            obligation = todo[0]
            data = random.choice(FILES)
            uploaded = _step(self, "upload", lambda: upload(self.client, URL, token, data, book=LESSON_PLAN,
                                                            period=obligation["period_key"]))
            if uploaded is None:
                return
            _step(self, "submit", lambda: submit(self.client, URL, token, obligation["id"], uploaded))


class Approver(HttpUser):
    """A tổ trưởng approving the tổ's lesson plans in batches."""

    fixed_count = len(PLAN["approvers"])
    wait_time = constant(0)

    def on_start(self) -> None:
        self.account = PLAN["approvers"][next(_approvers) % len(PLAN["approvers"])]

    @task
    def approve(self) -> None:
        done = _step(self, "approve-batch", lambda: approve_batch(self.client, URL, self.account["token"]),
                     record=lambda n: bool(n))
        if not done:
            gevent.sleep(1)


class Principal(HttpUser):
    """A principal batch-signing the học bạ waiting for the principal's signature."""

    fixed_count = len(PLAN["principals"])
    wait_time = constant(0)

    def on_start(self) -> None:
        self.account = PLAN["principals"][next(_principals) % len(PLAN["principals"])]

    @task
    def sign(self) -> None:
        done = _step(self, "sign-batch", lambda: sign_batch(self.client, URL, self.account["token"],
                                                            self.account["credential_id"], sleep=gevent.sleep),
                     record=lambda n: bool(n))
        if not done:
            gevent.sleep(1)
