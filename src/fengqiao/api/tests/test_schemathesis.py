"""Property-based run over the whole OpenAPI (every operation, every method) as centre staff
with a bearer token: whatever schemathesis generates, the API never answers 5xx.

Bounded for the normal suite: a fixed seed (derandomize), EXAMPLES per operation, no deadline.
"""

from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from fengqiao.accounts.services import token_issue
from fengqiao.wsgi import application

EXAMPLES = 15


def _operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


@pytest.fixture
def keep_test_connection():
    """Requests go to the WSGI app directly, not through Django's test client: keep the
    database connection open across them as the test client does (on PostgreSQL, Django
    would close the connection that holds the test's transaction after each request)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_operation_answers_5xx_to_generated_requests(users, mode, keep_test_connection):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    failures, statuses = [], Counter()
    count = 0
    for operation in _operations(schema):
        count += 1
        _probe(operation, mode, users["village_centre"], failures, statuses)
    assert count > 70  # the whole API was walked (78 operations: a kind's steps share one)
    assert failures == [], "\n".join(map(str, failures[:20]))
    # Signed in for real: most answers are not "who are you?".
    assert statuses[401] < sum(statuses.values()) / 10, statuses


def _probe(operation, mode, user, failures, statuses):
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def probe(case):
        # A token per request: the run also calls /auth/revoke and /auth/revoke-all.
        key, _token = token_issue(user=user)
        response = case.call(headers={"Authorization": f"Bearer {key}"})
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            failures.append((operation.label, response.status_code, case.as_curl_command()))

    probe()
