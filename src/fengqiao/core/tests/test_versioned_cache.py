"""The one versioned per-process cache: copies rebuilt when this process or another one moves
the version, never built twice at once, and still working when the shared cache is down."""

import threading
import time
from unittest import mock

import pytest
from django.core.cache import cache

from fengqiao.core.versioned_cache import VersionedCache

KEY = "fengqiao:test-version"


@pytest.fixture
def versioned():
    cache.delete(KEY)
    yield VersionedCache("test values", key=KEY)
    cache.delete(KEY)


class Builds:
    def __init__(self):
        self.count = 0

    def __call__(self):
        self.count += 1
        return self.count


def test_copy_is_built_once_when_nothing_changes(versioned):
    build = Builds()
    assert [versioned.get(build) for _ in range(3)] == [1, 1, 1]


def test_parts_are_built_apart_when_named(versioned):
    assert versioned.get(lambda: "a", part="a") == "a"
    assert versioned.get(lambda: "b", part="b") == "b"
    assert versioned.get(lambda: "again", part="a") == "a"


def test_copy_is_rebuilt_when_another_process_bumps_the_shared_version(versioned):
    build = Builds()
    versioned.get(build)
    cache.incr(KEY)  # what another process's bump does
    assert versioned.get(build) == 2


def test_copy_is_rebuilt_when_shared_version_was_evicted(versioned):
    build = Builds()
    versioned.get(build)
    cache.delete(KEY)
    assert versioned.get(build) == 2
    assert versioned.get(build) == 2


def test_bump_recreates_counter_when_key_missing(versioned):
    versioned.bump()
    first = cache.get(KEY)
    versioned.bump()
    assert cache.get(KEY) == first + 1


def test_copy_is_rebuilt_at_once_in_this_process_when_bumped(versioned):
    build = Builds()
    versioned.get(build)
    versioned.bump()
    assert versioned.get(build) == 2


def test_change_in_a_transaction_is_seen_here_at_once_and_elsewhere_at_commit(
    db, versioned, django_capture_on_commit_callbacks
):
    build = Builds()
    versioned.get(build)
    before = cache.get(KEY)
    with django_capture_on_commit_callbacks(execute=True):
        versioned.changed()
        assert versioned.get(build) == 2  # this process: at once
        assert cache.get(KEY) == before  # the others: not before commit
    assert cache.get(KEY) == before + 1


def test_shared_version_is_read_at_most_once_every_check_every(versioned, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    slow = VersionedCache("test values", key=KEY, check_every=1.0)
    build = Builds()
    slow.get(build)
    cache.incr(KEY)
    now[0] += 0.5
    assert slow.get(build) == 1
    now[0] += 1.0
    assert slow.get(build) == 2


def test_copy_is_rebuilt_when_older_than_max_age(versioned, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    aging = VersionedCache("test values", key=KEY, max_age=60.0)
    build = Builds()
    aging.get(build)
    now[0] += 59
    assert aging.get(build) == 1
    now[0] += 2
    assert aging.get(build) == 2


def test_local_changes_still_count_when_the_shared_cache_is_down(versioned):
    build = Builds()
    versioned.get(build)
    with (
        mock.patch.object(cache, "get", side_effect=ConnectionError("down")),
        mock.patch.object(cache, "incr", side_effect=ConnectionError("down")),
    ):
        versioned.bump()  # never fails the write that committed
        assert versioned.shared_version() is None
        assert versioned.get(build) == 2
        assert versioned.get(build) == 2


def test_one_thread_builds_while_the_others_wait_when_asked_at_once(versioned):
    builds = []
    start = threading.Barrier(8)

    def slow_build():
        builds.append(1)
        time.sleep(0.2)
        return object()

    seen = []

    def ask():
        start.wait()
        seen.append(versioned.get(slow_build))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1
    assert len(seen) == 8 and all(value is seen[0] for value in seen)
