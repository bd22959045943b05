"""Issue 7's school-year browser scenario, unchanged, against the platform in production mode.

The steps are ``tests/e2e/test_school_year_scenario.py``'s own, imported so they are collected
here too (with their module-scoped ``story``); only the platform differs: several processes per
service, events through the real RabbitMQ, data over the MongoDB wire protocol, objects over S3.
"""
from __future__ import annotations

import pytest

from tests.e2e.test_school_year_scenario import *  # noqa: F401,F403 - the scenario's steps, in order

pytestmark = pytest.mark.timeout(900)  # the first step also waits for the cluster to start (minutes on 2 cores)
