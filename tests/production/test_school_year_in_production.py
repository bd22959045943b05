"""Issue 7's school-year browser scenario, unchanged, against the platform in production mode.

The steps are ``tests/e2e/test_school_year_scenario.py``'s own, imported so they are collected
here too (with their module-scoped ``story``); only the platform differs: several processes per
service, events through the real RabbitMQ, data over the MongoDB wire protocol, objects over S3.
"""
from __future__ import annotations

import pytest

from tests.e2e.test_school_year_scenario import *  # noqa: F401,F403 - the scenario's steps, in order

pytestmark = pytest.mark.timeout(900)  # the first step also waits for the cluster to start (minutes on 2 cores)


def test_afterwards_every_process_still_runs_and_none_logged_an_error(platform) -> None:
    """What only production mode can break (several processes, the real broker, the wire DB, S3 over
    HTTP) shows as a dead process or an error in its log even when the pages looked right."""
    dead = {name: p.returncode for name, p in platform.processes.items() if p.poll() is not None}
    assert not dead, f"processes exited during the scenario: {dead}"
    errors = platform.logged_errors()
    assert not errors, f"errors logged during the scenario: {errors}"


def test_a_killed_consumer_is_started_again_and_attaches_to_its_queues(platform) -> None:
    """``kill`` (SIGKILL, no clean-up) and ``start`` as the fault suites use them: the restarted
    consumer is ready only once every one of its queues has a consumer again."""
    import signal

    platform.kill("consumer-notifications")
    assert platform.processes["consumer-notifications"].returncode == -signal.SIGKILL
    platform.start("consumer-notifications")
    assert platform.processes["consumer-notifications"].poll() is None
