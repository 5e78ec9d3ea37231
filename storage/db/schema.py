"""The database schema: every dataset TraqNext holds, as SQLAlchemy Core tables.

High-volume time series (minutes, spans, screenshots, rollups) keep time as integer epoch
seconds in UTC: identical on SQLite and PostgreSQL, cheap to bulk-load with COPY, and read
by polars without parsing. Low-volume records use timezone-aware timestamps.
High-volume series are keyed by ``(person_id, ...)`` without a foreign key (see
``_person_key``) and listed in ``PERSON_SERIES``, which erasure walks; every other row about a
person hangs off ``people.id`` with ``ON DELETE CASCADE``. Records that must outlive erasure
(rights requests, key tombstones) use ``SET NULL`` and hold no personal data of their own.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from storage.db.types import UtcDateTime

# Stable constraint names so that alembic migrations are reproducible on every backend.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ROLES = ("admin", "manager", "employee", "dpo")
CONSENT_STATES = ("given", "withdrawn")
REQUEST_KINDS = (
    "access",
    "rectification",
    "erasure",
    "restriction",
    "portability",
    "objection",
    "consent_withdrawal",
)
REQUEST_STATES = (
    "received",
    "in_review",
    "approved",
    "rejected",
    "in_progress",
    "completed",
    "closed",  # by the DPO with a reason, or by the person's erasure
    "withdrawn",  # by the person who filed it
)
OPEN_REQUEST_STATES = ("received", "in_review", "approved", "in_progress")  # not answered yet


def _one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name)


def _person_key() -> Column[int]:
    return Column(
        "person_id",
        ForeignKey("people.id", ondelete="CASCADE"),
        primary_key=True,
        nullable=False,
    )


installation = Table(
    "installation",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("master_key_id", String(32), nullable=False),
    # Names this installation's master key folder outside the data folder (one per database).
    Column("installation_id", String(32)),
    CheckConstraint("id = 1", name="single_row"),
)

teams = Table(
    "teams",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("department", String(120), nullable=False),
)

people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pseudonym", String(18), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("email", String(320), unique=True),
    Column(
        "team_id",
        ForeignKey("teams.id", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    ),
    Column("timezone", String(64), nullable=False),
    Column("consent", String(16), nullable=False, server_default="given"),
    Column("objected", Boolean, nullable=False, server_default="0"),
    Column("restricted", Boolean, nullable=False, server_default="0"),
    Column("legal_hold_reason", Text),
    Column("created_at", UtcDateTime, nullable=False),
    _one_of("consent", CONSENT_STATES, "consent_state"),
)

devices = Table(
    "devices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "person_id",
        ForeignKey("people.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("name", String(120), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime),
)

activity_minutes = Table(
    "activity_minutes",
    metadata,
    _person_key(),
    Column("minute", BigInteger, primary_key=True, nullable=False),
    Column("device_id", Integer, primary_key=True, nullable=False),
    Column("active_seconds", SmallInteger, nullable=False),
    Column("key_presses", Integer, nullable=False),
    Column("mouse_clicks", Integer, nullable=False),
    Column("mouse_moves", Integer, nullable=False),
    Column("scrolls", Integer, nullable=False),
    CheckConstraint("active_seconds BETWEEN 0 AND 60", name="active_seconds_range"),
    CheckConstraint("minute % 60 = 0", name="minute_aligned"),
    sqlite_with_rowid=False,
    postgresql_partition_by="RANGE (minute)",  # monthly: storage/db/partitions.py
)

app_spans = Table(
    "app_spans",
    metadata,
    _person_key(),
    Column("device_id", Integer, primary_key=True, nullable=False),
    Column("start_ts", BigInteger, primary_key=True, nullable=False),
    Column("end_ts", BigInteger, nullable=False),
    Column("app", String(200), nullable=False),
    Column("site", String(255)),
    Column("title_ct", LargeBinary),  # sealed to the subject's key; NULL when dropped by policy
    CheckConstraint("end_ts >= start_ts", name="span_order"),
    sqlite_with_rowid=False,
    postgresql_partition_by="RANGE (start_ts)",  # monthly: storage/db/partitions.py
)
# The titles still held, by time: the window-titles purge finds what to clear without a scan.
Index(
    "ix_app_spans_titled",
    app_spans.c.start_ts,
    postgresql_where=app_spans.c.title_ct.is_not(None),
    sqlite_where=app_spans.c.title_ct.is_not(None),
)

screenshots = Table(
    "screenshots",
    metadata,
    _person_key(),
    Column("device_id", Integer, primary_key=True, nullable=False),
    Column("taken_at", BigInteger, primary_key=True, nullable=False),
    Column("object_key", String(512), nullable=False, unique=True),
    Column("key_id", String(64), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("blurred", Boolean, nullable=False),
)
Index("ix_screenshots_taken_at", screenshots.c.taken_at)

activity_10min = Table(
    "activity_10min",
    metadata,
    _person_key(),
    Column("slot_start", BigInteger, primary_key=True, nullable=False),
    Column("tracked_seconds", Integer, nullable=False),
    Column("active_seconds", Integer, nullable=False),
    Column("key_presses", Integer, nullable=False),
    Column("mouse_clicks", Integer, nullable=False),
    CheckConstraint("active_seconds <= tracked_seconds", name="active_le_tracked"),
    sqlite_with_rowid=False,
)
Index("ix_activity_10min_slot_start", activity_10min.c.slot_start)

activity_daily = Table(
    "activity_daily",
    metadata,
    _person_key(),
    Column("day", Date, primary_key=True, nullable=False),  # in the person's own time zone
    Column("tracked_seconds", Integer, nullable=False),
    Column("active_seconds", Integer, nullable=False),
    Column("key_presses", Integer, nullable=False),
    Column("mouse_clicks", Integer, nullable=False),
    Column("first_ts", BigInteger, nullable=False),
    Column("last_ts", BigInteger, nullable=False),
    CheckConstraint("active_seconds <= tracked_seconds", name="active_le_tracked"),
    sqlite_with_rowid=False,
)
Index("ix_activity_daily_day", activity_daily.c.day)

app_daily = Table(
    "app_daily",
    metadata,
    _person_key(),
    Column("day", Date, primary_key=True, nullable=False),
    Column("app", String(200), primary_key=True, nullable=False),
    Column("seconds", Integer, nullable=False),
    sqlite_with_rowid=False,
)
Index("ix_app_daily_day", app_daily.c.day)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(255)),  # NULL for accounts that sign in through OIDC
    Column("role", String(16), nullable=False),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("disabled_at", UtcDateTime),
    _one_of("role", ROLES, "role"),
)

manager_teams = Table(
    "manager_teams",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)

rights_requests = Table(
    "rights_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="SET NULL"), index=True),
    Column("kind", String(24), nullable=False),
    Column("state", String(16), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("extended_due_at", UtcDateTime),
    Column("extension_reason", Text),
    Column("filed_by_user_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("identity_verification", Text),
    Column("decision_reason", Text),
    Column("details", JSON, nullable=False, default=dict),
    Column("closed_at", UtcDateTime),
    _one_of("kind", REQUEST_KINDS, "request_kind"),
    _one_of("state", REQUEST_STATES, "request_state"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject_ref", String(64)),
    Column("details", JSON, nullable=False, default=dict),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False, unique=True),
)

key_epochs = Table(
    "key_epochs",
    metadata,
    # Normally one row: the current epoch. An erasure deletes the old one (storage.epochs).
    Column("epoch", Integer, primary_key=True, autoincrement=False),
    Column("master_key_id", String(32), nullable=False),
    Column("master_key_ref", String(2048)),  # the KMS key's ARN; NULL for a key file
    # The KMS key this one replaced: retired at settle, or on the next load after a crash.
    Column("replaced_ref", String(2048)),
    Column("wrapped_kek", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

subject_keys = Table(
    "subject_keys",
    metadata,
    Column("key_id", String(64), primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="SET NULL"), index=True),
    Column("public_key", LargeBinary, nullable=False),
    Column("wrapped_private", LargeBinary),  # NULL once destroyed (crypto-shredded)
    Column("master_key_id", String(32), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("destroyed_at", UtcDateTime),
    # The epoch whose key wraps wrapped_private; NULL for a destroyed key, or a key from
    # before epochs existed (wrapped by the master key itself until adopted).
    Column("epoch", ForeignKey("key_epochs.epoch"), index=True),
)

policies = Table(
    "policies",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(64), nullable=False),
)

# Column order of minute rows in bulk loads (the demo, benchmarks and tests share it).
MINUTE_COLUMNS = (
    "person_id",
    "device_id",
    "minute",
    "active_seconds",
    "key_presses",
    "mouse_clicks",
    "mouse_moves",
    "scrolls",
)
SPAN_COLUMNS = ("person_id", "device_id", "start_ts", "end_ts", "app", "site", "title_ct")

# Tables keyed by person_id without a foreign key: erasure must delete from each explicitly.
PERSON_SERIES: tuple[Table, ...] = (
    activity_minutes,
    app_spans,
    screenshots,
    activity_10min,
    activity_daily,
    app_daily,
)

# The privacy guard's ledger: scopes released to each analyst (its differencing defence) and
# the differential-privacy budget they spent. Person ids in a scope are pseudonymous keys.
LEDGER_KINDS = ("scope", "noise")
privacy_ledger = Table(
    "privacy_ledger",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("analyst", String(64), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("query", String(200), nullable=False),
    Column("scope", JSON, nullable=False),
    Column("people", Integer, nullable=False),
    Column("epsilon", Float),  # spent on noise; NULL for a scope record
    _one_of("kind", LEDGER_KINDS, "ledger_kind"),
)
Index("ix_privacy_ledger_analyst", privacy_ledger.c.analyst)

# --- rights tables (issue 6): append below this line ---

# The audit log's seals (storage/audit.py): per-field salts and digests, so that erasure can
# redact an entry's personal fields (dropping their salts) while its hash still chains.
audit_log.append_column(Column("salts", JSON, nullable=False, server_default="{}"))
audit_log.append_column(Column("digests", JSON, nullable=False, server_default="{}"))
# Erasure finds a person's entries by subject or actor without scanning the whole log.
Index("ix_audit_log_subject_ref", audit_log.c.subject_ref)
Index("ix_audit_log_actor", audit_log.c.actor)

# --- contracts and retention tables (issue 7): append below this line ---

# A batch that failed its data contract on ingest, kept whole (rows as JSON-ready values,
# binary as base64) with its check result, for the DPO and admin to inspect; nothing of it
# was written to the dataset's table.
quarantined_batches = Table(
    "quarantined_batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("dataset", String(64), nullable=False),
    Column("source", String(64), nullable=False),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), index=True),
    Column("row_count", Integer, nullable=False),
    Column("rows", JSON, nullable=False),
    Column("result", JSON, nullable=False),
)

# Deletion evidence: one row per retention purge run (counts per category, never content).
retention_runs = Table(
    "retention_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("as_of", Date, nullable=False),
    Column("counts", JSON, nullable=False),
)

# Where audit-log verification starts once the retention purge removed the oldest entries:
# the sequence number and hash of the last purged entry (one row; none before any purge).
audit_anchor = Table(
    "audit_anchor",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),  # time of the last purged entry
    Column("purged_at", UtcDateTime, nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

# --- workbench tables (issue 5): append below this line ---

# An employee's decision about one idle stretch (Hubstaff / Time Doctor "idle time review"):
# "keep" counts the stretch as work time, "discard" leaves it out of work time. One decision
# per person and stretch start; a new decision replaces the old one.
idle_reviews = Table(
    "idle_reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("start", UtcDateTime, nullable=False),
    Column("end", UtcDateTime, nullable=False),
    Column("decision", String(16), nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
    UniqueConstraint("person_id", "start"),
    CheckConstraint("decision IN ('keep', 'discard')", name="decision_known"),
)

# When each person's rollups last changed (microseconds since the epoch), written in the
# transaction that refreshes them: the workbench keys its cached dashboards by the newest
# value, so new data, idle reviews and corrections show at once. One row per person.
rollup_marks = Table(
    "rollup_marks",
    metadata,
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("refreshed_us", BigInteger, nullable=False),
)

# The person paused tracking from the workbench: every collector of theirs (on any machine,
# embedded or through the ingestion service) captures nothing until they resume.
people.append_column(Column("tracking_paused", Boolean, nullable=False, server_default="0"))

# --- ingestion tables (issue 8): append below this line ---

# A device enrolled through the ingestion service holds a bearer token; only its SHA-256 is
# kept (a 256-bit random token needs no slow hash). Revoking sets ``revoked_at``; devices
# registered by the embedded sink have neither.
devices.append_column(Column("token_hash", String(64)))
devices.append_column(Column("revoked_at", UtcDateTime))
Index("ix_devices_token_hash", devices.c.token_hash, unique=True)

# One-time enrolment codes an admin hands to a person for one device: stored hashed, valid
# until ``expires_at``, spent by the enrolment that sets ``used_at``.
enrol_codes = Table(
    "enrol_codes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
)

# --- governance tables (issues 15, 16): append below this line ---

# A DPO's grant of per-person (pseudonymous) rows to one named account, for a stated purpose:
# the rows of days ``period_from`` … ``period_to`` (inclusive), usable until the end of
# ``usable_until`` (UTC) unless revoked first. Kept after revocation or expiry as the record of
# what was allowed; the audit log holds each giving, use and revocation.
data_grants = Table(
    "data_grants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("purpose", Text, nullable=False),
    Column("period_from", Date, nullable=False),
    Column("period_to", Date, nullable=False),
    Column("usable_until", Date, nullable=False),
    Column("given_at", UtcDateTime, nullable=False),
    Column("given_by", ForeignKey("users.id", ondelete="SET NULL")),
    Column("revoked_at", UtcDateTime),
    Column("revoked_by", ForeignKey("users.id", ondelete="SET NULL")),
    CheckConstraint("period_from <= period_to", name="period_ordered"),
)

# The operating-system account that owns a workbench account on the server (set by an admin):
# `traq --as NAME` for the DPO or a grant holder runs only from that OS account (README).
users.append_column(Column("os_user", String(64)))
# Accounts (issue 18). username_key: the casefolded name that sign-in, creation and lookups
# compare (not unique: names differing in case may predate it). must_change_password: the
# password was generated (init, admin creation, reset), so the only page is the change form.
# failed_sign_ins / locked_until: failures in a row, and the lock they caused; in the
# database so that a restart of the workbench does not lift a lock.
users.append_column(Column("username_key", String(255), index=True))
users.append_column(
    Column("must_change_password", Boolean, nullable=False, default=False, server_default=false())
)
users.append_column(
    Column("failed_sign_ins", Integer, nullable=False, default=0, server_default="0")
)
users.append_column(Column("locked_until", UtcDateTime))
# --- publication tables (issue 15): append below this line ---

# Published statistics: what every manager figure, download and organisation figure is a sum
# of. One row per published local day (``publication_days``), the units of that day (each
# team in exactly one unit: ``publication_units``) and the cells of each (unit, day)
# (``publication_cells``). Insert-only: a day once published is never rewritten, so a later
# restriction, erasure, idle review, import or late upload changes no released figure.
publication_days = Table(
    "publication_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("published_at", UtcDateTime, nullable=False),
    Column("k", Integer, nullable=False),
    Column("policy_version", String(16), nullable=False),  # digest of the policy applied
    Column("epsilon", Float),  # differential-privacy noise spent per unit; NULL when exact
)

publication_units = Table(
    "publication_units",
    metadata,
    Column("day", Date, primary_key=True),
    Column("team_id", Integer, primary_key=True),  # no foreign key: outlives team changes
    Column("unit_id", Integer, nullable=False),  # the host team's id: what the unit is called
    Column("team_name", String(120), nullable=False),  # as it was named that day
)
Index("ix_publication_units_unit_day", publication_units.c.unit_id, publication_units.c.day)

PUBLICATION_KINDS = ("total", "hour", "category", "app", "other")
publication_cells = Table(
    "publication_cells",
    metadata,
    Column("day", Date, primary_key=True),
    Column("unit_id", Integer, primary_key=True),
    Column("kind", String(8), primary_key=True),
    Column("key", String(200), primary_key=True),  # hour "07", category, app; "" for total
    Column("people", Integer),  # NULL when suppressed (fewer than k people, or a complement)
    Column("tracked_seconds", Float),
    Column("active_seconds", Float),
    Column("seconds", Float),  # application seconds (category, app, other)
    _one_of("kind", PUBLICATION_KINDS, "publication_kind"),
    sqlite_with_rowid=False,
)

# --- consent on the server (issue 16) ---

# A withdrawal of consent or an objection stops capture at ``capture_stopped_at``; giving
# consent again resumes it at ``capture_resumed_at``. The write API stores nothing captured
# in between (a device learns of the right up to a minute late, and may send it anyway).
people.append_column(Column("capture_stopped_at", UtcDateTime))
people.append_column(Column("capture_resumed_at", UtcDateTime))

# --- offboarding (issue 17) ---

# When the person left: their devices are revoked, their accounts disabled and capture
# stopped then; the scheduled purge erases them ``post_employment_days`` later.
people.append_column(Column("left_at", UtcDateTime))

# --- deadlines per law (issue 17) ---

# The law whose deadlines apply to the person's requests (services.rights.deadlines.LAWS);
# None: the policy's default_jurisdiction.
people.append_column(Column("jurisdiction", String(16)))

# --- notices by e-mail (issue 17) ---

# The outbox: every notice TraqNext sends, kept until sent (or forever without SMTP, for
# the DPO to read). A notice to a person goes with them when they are erased (cascade);
# one to the DPO names a request, never a person. ``once`` makes a reminder unique.
notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), index=True),
    Column("kind", String(40), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("once", String(120), unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("error", Text),
)
