"""Hostile input at every route of the real service: never a 500, nothing written when refused.

Hypothesis sends random bytes, random JSON, random credentials and mutated batch and
screenshot requests to the service (uvicorn in a thread, over SQLite and PostgreSQL). Every
answer must be below 500, an error must be one JSON line, and a refused request must leave
the database as it was (a 422 adds only its quarantine record: that is what a 422 means).
"""

from __future__ import annotations

import base64
import contextlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from collector.sinks.device_token import DeviceToken
from collector.sinks.https import enrol_device
from collector.sinks.transport import Transport
from ingest import enrolment
from ingest.app import IngestConfig
from ingest.payloads import EPOCH_MAX
from storage.db import schema
from storage.objects import screenshot_key
from tests.collector.install import installation
from tests.ingest.rows import START, as_json, minutes, snapshot, spans
from tests.ingest.service import Answer, call, running

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ROUTES = [
    ("POST", "/v1/enrol"),
    ("POST", "/v1/batches"),
    ("POST", "/v1/screenshots/presign"),
    ("POST", "/v1/screenshots/commit"),
    ("PUT", "/v1/screenshots/{key}"),
    ("GET", "/v1/state"),
    ("GET", "/v1/health"),
]


@dataclass(frozen=True)
class Target:
    """A running service, its database and one enrolled device."""

    url: str
    engine: Engine
    device: DeviceToken

    @property
    def key(self) -> str:
        """A screenshot key this device may use."""
        return screenshot_key(self.device.pseudonym, START, self.device.device_id)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    """One service per backend for the whole module (Hypothesis runs many examples)."""
    folder = tmp_path_factory.mktemp("fuzz")
    with _database(request, folder) as url, installation(folder, url) as install:
        # No rate limit: hundreds of requests from one device are the point here.
        config = IngestConfig(install.settings, rate=1e6, burst=10**6)
        with running(config) as base:
            pseudonym = install.add_person()
            with install.engine.begin() as conn:
                person_id, _ = enrolment.find_person(conn, pseudonym)
                code = enrolment.create_code(conn, person_id, datetime.now(UTC))
            yield Target(base, install.engine, enrol_device(base, code, Transport()))


@contextlib.contextmanager
def _database(request: pytest.FixtureRequest, folder: Path) -> Iterator[str]:
    """A SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{folder / 'traq.db'}"
        return
    dsn: str = request.getfixturevalue("postgres_dsn")
    name = f"tq_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield f"{dsn}?options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')


# -- strategies ---------------------------------------------------------------------------------

# Any text, lone surrogates and NUL included (JSON carries both as escapes), and the texts
# that sit on a rule's edge, drawn as often as all others together.
special_texts = st.sampled_from(
    ["", "\x00", "a\x00b", "\ud800", "x" * 201, "é" * 256, "../../etc", "s_0000000000000000"]
)
texts = special_texts | st.text(st.characters(exclude_categories=[]), max_size=40)
edge_ints = st.sampled_from(
    [0, -1, 1, 59, 60, 2**31 - 1, 2**31, 2**63, -(2**63) - 1, 10**20, EPOCH_MAX, EPOCH_MAX + 1]
)
ints = (
    edge_ints
    | st.integers(START - 10**6, START + 10**6)  # plausible times
    | st.integers(-(2**20), 2**20)  # plausible counts and sizes
    | st.integers(2**33, 2**80)  # past what columns and dates hold
    | st.integers(-(2**80), -1)
)
scalars = st.none() | st.booleans() | ints | st.floats() | texts
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=10,
)
base64_texts = st.binary(max_size=5000).map(lambda raw: base64.b64encode(raw).decode())
values = ints | texts | json_values | base64_texts
# Nesting deeper than a recursive parser's stack.
deep = st.builds(
    lambda depth, opener: opener * depth, st.integers(900, 60_000), st.sampled_from([b"[", b'{"":'])
)
bodies = st.binary(max_size=3000) | deep


def like(value: Any) -> st.SearchStrategy[Any]:
    """Values of the kind of ``value`` (where the deep checks are), sometimes of any kind."""
    if isinstance(value, bool):
        kind: st.SearchStrategy[Any] = st.booleans()
    elif isinstance(value, int):
        kind = ints
    elif isinstance(value, str):
        kind = special_texts | texts | base64_texts
    else:
        kind = values
    return kind | kind | values


def mutated(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """``base`` with one field replaced (most often), or a few replaced, dropped or added."""
    names = st.sampled_from([*base, "extra"])
    change = names.flatmap(lambda name: st.tuples(st.just(name), like(base.get(name))))
    one = change.map(lambda item: {**base, item[0]: item[1]})
    several = st.builds(
        lambda changes, drop: {k: v for k, v in {**base, **dict(changes)}.items() if k not in drop},
        st.lists(change, min_size=1, max_size=3),
        st.sets(st.sampled_from(list(base)), max_size=1),
    )
    return one | one | several


def batches(device: DeviceToken) -> st.SearchStrategy[dict[str, Any]]:
    """Batch bodies of valid-looking rows, some fields mutated."""
    minute, span = valid_rows(device)
    rows = st.fixed_dictionaries(
        {
            "minutes": st.lists(mutated(minute) | st.just(minute), max_size=3),
            "spans": st.lists(mutated(span) | st.just(span), max_size=3),
        }
    )
    return rows | mutated({"minutes": [minute], "spans": [span]})


def valid_rows(device: DeviceToken) -> tuple[dict[str, Any], dict[str, Any]]:
    """A minute row and a span the service stores, as JSON."""
    return as_json(minutes(device, 1)[0]), as_json(spans(device, 1)[0])


def screenshot_bodies(target: Target) -> dict[str, dict[str, Any]]:
    """Valid presign and commit bodies for the device's own key."""
    digest = base64.b64encode(bytes(32)).decode()
    commit = {"key": target.key, "size": 100, "taken_at": START, "width": 8, "height": 8}
    return {
        "presign": {"key": target.key, "size": 100, "sha256": digest},
        "commit": {**commit, "blurred": False},
    }


def one_field(body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """``body`` with exactly one field replaced by a value of its kind (or of any kind)."""
    return st.sampled_from(list(body)).flatmap(
        lambda name: like(body[name]).map(lambda value: {**body, name: value})
    )


# -- the checks ---------------------------------------------------------------------------------


def full_snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """What a batch writes, and the devices and enrolment codes."""
    tables = {t.name: t for t in (schema.devices, schema.enrol_codes)}
    with engine.connect() as conn:
        extra = {
            name: sorted((tuple(row) for row in conn.execute(select(t))), key=repr)
            for name, t in tables.items()
        }
    return {**snapshot(engine), **extra}


def check(
    target: Target,
    method: str,
    path: str,
    body: bytes | dict[str, Any] | list[Any] | None,
    token: str | None = "device",
    headers: dict[str, str] | None = None,
) -> Answer:
    """Send one request; a clean answer below 500, and no write if it was refused."""
    before = full_snapshot(target.engine)
    url = f"{target.url}{path.replace('{key}', quote(target.key))}"
    sent_token = target.device.token if token == "device" else token
    answer = call(method, url, body, token=sent_token, headers=headers)
    assert answer.status < 500, (method, path, answer)
    if answer.status >= 400:
        assert isinstance(answer.body, dict) and set(answer.body) == {"error"}, answer
        assert "\n" not in answer.body["error"], answer
        after = full_snapshot(target.engine)
        if answer.status == 422:  # quarantined: that record, and nothing else, is new
            before.pop("quarantined_batches"), after.pop("quarantined_batches")
        assert after == before, (method, path, answer)
    return answer


# -- the fuzz tests -----------------------------------------------------------------------------


@FUZZ
@given(route=st.sampled_from(ROUTES), body=bodies)
def test_random_bytes_at_every_route(target: Target, route: tuple[str, str], body: bytes) -> None:
    check(target, *route, body)


@FUZZ
@given(route=st.sampled_from(ROUTES), value=json_values)
def test_random_json_at_every_route(target: Target, route: tuple[str, str], value: Any) -> None:
    check(target, *route, json.dumps(value).encode())


@FUZZ
@given(data=st.data(), kind=st.sampled_from(["minutes", "spans"]))
def test_one_field_of_a_batch_row(target: Target, data: st.DataObject, kind: str) -> None:
    minute, span = valid_rows(target.device)
    row = data.draw(one_field(minute if kind == "minutes" else span))
    check(target, "POST", "/v1/batches", {kind: [row]})


@FUZZ
@given(app=texts, site=st.none() | texts)
def test_any_text_as_a_span_app_or_site(target: Target, app: str, site: str | None) -> None:
    span = {**valid_rows(target.device)[1], "app": app, "site": site}
    check(target, "POST", "/v1/batches", {"spans": [span]})


@FUZZ
@given(data=st.data())
def test_mutated_batches(target: Target, data: st.DataObject) -> None:
    body = data.draw(batches(target.device))
    check(target, "POST", "/v1/batches", body)


@FUZZ
@given(data=st.data(), path=st.sampled_from(["presign", "commit"]))
def test_one_field_of_a_screenshot_request(target: Target, data: st.DataObject, path: str) -> None:
    body = data.draw(
        one_field(screenshot_bodies(target)[path]) | mutated(screenshot_bodies(target)[path])
    )
    check(target, "POST", f"/v1/screenshots/{path}", body)


@FUZZ
@given(
    route=st.sampled_from(ROUTES),
    authorization=st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=80),
)
def test_random_credentials(target: Target, route: tuple[str, str], authorization: str) -> None:
    headers = {"Authorization": authorization}
    check(target, *route, {"minutes": []}, token=None, headers=headers)


@FUZZ
@given(
    key=st.text(st.characters(exclude_categories=["Cs"]), max_size=80),
    checksum=st.sampled_from(["", "AAAA", base64.b64encode(bytes(32)).decode()]) | texts,
)
def test_random_upload_keys_and_checksums(target: Target, key: str, checksum: str) -> None:
    # Only what a header can carry: the client library refuses control characters itself.
    headers = {"x-amz-checksum-sha256": "".join(c for c in checksum if " " <= c <= "~")}
    check(target, "PUT", f"/v1/screenshots/{quote(key, safe='')}", b"TQE\x01", headers=headers)
