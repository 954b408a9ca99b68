"""boka's value types as frozen dataclasses, mirroring the C++ structs field by field.

Times: every instant is a timezone-aware ``datetime`` (results are in UTC); durations are
``timedelta``; both are whole seconds. Schedules are local wall time, in minutes after
local midnight, read in the zone of the resource that uses them. Results hold tuples; the
engine accepts any sequence on input. Change a result with ``dataclasses.replace`` and pass
it to an ``update_*`` call.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Optional, Sequence
from zoneinfo import ZoneInfo

from ._errors import Code

if TYPE_CHECKING:  # the native module's class, for annotations only
    from ._native import Principal


class Weekday(enum.IntEnum):
    """Days of the week, numbered as in C++ (``boka::Weekday``): Sunday is 0."""

    SUNDAY = 0
    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6


class HolidayKind(str, enum.Enum):
    FIXED_DATE = "fixed_date"  # month + day_of_month ("December 25")
    NTH_WEEKDAY = "nth_weekday"  # nth (1..4) weekday of month ("4th Thursday of November")
    LAST_WEEKDAY = "last_weekday"  # last weekday of month ("last Monday of May")


class ReservationStatus(str, enum.Enum):
    """held and confirmed count against capacity (a hold until its expiry instant)."""

    HELD = "held"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


class PaymentStatus(str, enum.Enum):
    """Where a reservation's payment stands (docs/payments.md); NONE: no payment asked."""

    NONE = "none"
    PENDING = "pending"
    PAID = "paid"
    REFUNDED = "refunded"
    FAILED = "failed"  # the last attempt failed; the customer may pay again while held


class ReservationOrder(str, enum.Enum):
    """The order :meth:`boka.Engine.list_reservations` returns."""

    BY_ID = "by_id"  # id ascending; page with after_id
    BY_START = "by_start"  # start, then id; page with after_start and after_id


class Reason(str, enum.Enum):
    """Why a start is not offered (see :meth:`boka.Engine.explain`)."""

    CLOSED = "closed"  # outside opening hours
    NOTICE = "notice"  # earlier than now + min_notice
    HORIZON = "horizon"  # later than now + max_horizon
    DURATION = "duration"  # duration outside [min_duration, max_duration]
    OFF_GRID = "off_grid"  # not on the local slot grid
    DAILY_LIMIT = "daily_limit"  # the local day has daily_limit reservations already
    CAPACITY = "capacity"  # blocked by reservations
    ARCHIVED = "archived"  # the resource or pool is archived


@dataclass(frozen=True, slots=True)
class BookingRules:
    """Change deadlines and per-customer limits of a tenant, resource or service (see
    docs/rules.md); zero means "none". A booking is bound by the tenant's, those of every
    resource it takes and its service's: the strictest cutoff applies, and each limit counts
    within its own scope."""

    cancel_cutoff: timedelta = timedelta(0)  # no cancelling within this long before the start
    reschedule_cutoff: timedelta = timedelta(0)  # no moving within it, nor to a start within it
    max_active_per_customer: int = 0  # active bookings per customer that have not ended
    max_per_customer_per_day: int = 0  # active bookings per customer starting on one local day


@dataclass(frozen=True, slots=True)
class Tenant:
    id: int
    name: str
    created_at: datetime
    archived_at: Optional[datetime]
    rules: BookingRules  # set with Engine.update_tenant_rules
    max_hold: timedelta  # the longest hold a booking may ask for
    version: int


@dataclass(frozen=True, slots=True)
class Policy:
    """Booking rules of a resource; a zero duration means "no limit" where noted."""

    slot_step: timedelta = timedelta(minutes=15)  # grid of starts from local midnight
    min_notice: timedelta = timedelta(0)
    max_horizon: timedelta = timedelta(0)  # 0: no limit
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    min_duration: timedelta = timedelta(0)  # 0: one slot_step
    max_duration: timedelta = timedelta(0)  # 0: no limit
    daily_limit: int = 0  # most reservations starting on one local day; 0: none


@dataclass(frozen=True, slots=True)
class Resource:
    id: int
    tenant: int
    name: str
    zone: str  # IANA zone, "Europe/Berlin"
    capacity: int
    policy: Policy
    rules: BookingRules  # cutoffs and per-customer limits of its bookings
    schedule: Optional[int]  # schedule id; None: open around the clock
    metadata: dict[str, Any] = field(hash=False)  # a dict cannot be hashed; the id can
    created_at: datetime
    archived_at: Optional[datetime]
    version: int


@dataclass(frozen=True, slots=True)
class LocalInterval:
    """[start_minute, end_minute) after local midnight; end_minute may be 1440."""

    start_minute: int
    end_minute: int


@dataclass(frozen=True, slots=True)
class WeeklyRule:
    day: Weekday
    intervals: Sequence[LocalInterval]


@dataclass(frozen=True, slots=True)
class DateOverride:
    """Replaces the weekly rules on one date; no intervals: closed all day."""

    date: date
    intervals: Sequence[LocalInterval] = ()


@dataclass(frozen=True, slots=True)
class HolidayRule:
    """A yearly holiday that closes the whole local day."""

    name: str
    kind: HolidayKind
    month: int
    day_of_month: int = 1  # fixed_date
    nth: int = 1  # nth_weekday
    weekday: Weekday = Weekday.MONDAY  # nth_weekday, last_weekday

    @classmethod
    def fixed_date(cls, name: str, month: int, day: int) -> HolidayRule:
        return cls(name, HolidayKind.FIXED_DATE, month, day_of_month=day)

    @classmethod
    def nth_weekday(cls, name: str, nth: int, weekday: Weekday, month: int) -> HolidayRule:
        return cls(name, HolidayKind.NTH_WEEKDAY, month, nth=nth, weekday=weekday)

    @classmethod
    def last_weekday(cls, name: str, weekday: Weekday, month: int) -> HolidayRule:
        return cls(name, HolidayKind.LAST_WEEKDAY, month, weekday=weekday)


@dataclass(frozen=True, slots=True)
class Schedule:
    id: int
    tenant: int
    name: str
    weekly: Sequence[WeeklyRule]
    overrides: Sequence[DateOverride]
    holidays: Sequence[HolidayRule]
    archived_at: Optional[datetime]
    version: int


@dataclass(frozen=True, slots=True)
class Pool:
    id: int
    tenant: int
    name: str
    members: Sequence[int]  # resource ids in preference order
    archived_at: Optional[datetime]
    version: int


@dataclass(frozen=True, slots=True)
class AllocationRequest:
    """One bookable unit of a request: a resource, or any member of a pool."""

    resource: Optional[int] = None
    pool: Optional[int] = None
    quantity: int = 1

    @classmethod
    def of_resource(cls, resource: int, quantity: int = 1) -> AllocationRequest:
        return cls(resource=resource, quantity=quantity)

    @classmethod
    def of_pool(cls, pool: int, quantity: int = 1) -> AllocationRequest:
        return cls(pool=pool, quantity=quantity)


class _LocalTimes:
    """local_start and local_end: the dataclass's start and end shown in its `zone`."""

    __slots__ = ()

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(ZoneInfo(self.zone))

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(ZoneInfo(self.zone))


@dataclass(frozen=True, slots=True)
class Slot(_LocalTimes):
    start: datetime
    end: datetime
    zone: str  # the IANA zone of the first request's resource
    resources: tuple[int, ...]  # per request, the resource a booking here would use


@dataclass(frozen=True, slots=True)
class SlotPage:
    """One page of an availability answer (:meth:`boka.Engine.availability_page`)."""

    slots: tuple[Slot, ...]  # at most the query's limit, by start
    truncated: bool  # more slots follow from next_from
    next_from: Optional[datetime]  # when truncated: the next page's start


@dataclass(frozen=True, slots=True)
class Finding:
    resource: int
    reason: Reason
    detail: str


@dataclass(frozen=True, slots=True)
class Explanation:
    available: bool
    findings: tuple[Finding, ...]
    blocking_reservation_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Allocation:
    resource: int  # for a pool allocation: the member that was picked
    quantity: int
    pool: Optional[int]  # set when requested from a pool


@dataclass(frozen=True, slots=True)
class Reservation(_LocalTimes):
    id: int
    tenant: int
    status: ReservationStatus
    start: datetime
    end: datetime
    zone: str  # the IANA zone of the first allocation's resource (lowest resource id)
    hold_expires_at: Optional[datetime]
    allocations: tuple[Allocation, ...]
    idempotency_key: str
    customer: str
    customer_id: Optional[int]  # the customer record it is for (boka.Customers)
    notes: str
    metadata: dict[str, Any] = field(hash=False)
    service: Optional[int]  # the service it was booked as (boka.Services), with its terms:
    price_minor: Optional[int]  # the price in minor units of currency (None: no price)
    currency: str
    payment_status: PaymentStatus  # moved by the payment provider or staff (boka.Payments)
    payment_reference: str  # the provider's payment id or staff's note
    buffer_before: timedelta  # the service's buffers, kept with the reservation
    buffer_after: timedelta
    series: Optional[int]  # the series it is an occurrence of (boka.RecurringBookings)
    occurrence_date: Optional[date]  # with series: the date its rule generated it for
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class StorageInfo:
    dialect: str  # "memory", "sqlite", "postgresql"
    schema_version: int
    location: str  # file path or "" (never a password)


# ---- audit trail (boka/audit.hpp) ----------------------------------------------------------


class AuditOutcome(str, enum.Enum):
    """How the call an audit record describes ended."""

    SUCCESS = "success"  # the change was made
    DENIED = "denied"  # refused by authorization
    CONFLICT = "conflict"  # refused by a booking rule or a stale version
    REJECTED = "rejected"  # refused as invalid: bad input, unknown id, wrong state
    FAILURE = "failure"  # a security check failed: wrong password or code, lockout


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One link of a tenant's hash chain (tenant 0: the system chain). Never holds a secret."""

    tenant: int
    seq: int  # 1, 2, 3, ... within the chain
    at: datetime
    actor: str  # "system", "user:12", "api_key:3", or "" for an anonymous attempt
    action: str  # "<object>.<verb>": "reservation.reserve", "auth.login_failed"
    target: str  # "<object>:<id>" ("reservation:41"), or ""
    outcome: AuditOutcome
    reason: str  # why a refusal was refused, else ""
    source: str  # the client address, where known
    detail: dict[str, Any] = field(hash=False)  # what changed
    prev_hash: str  # hex SHA-256 of the previous record ("" for seq 1)
    hash: str  # hex SHA-256 of this record's content and prev_hash


@dataclass(frozen=True, slots=True)
class AuditHead:
    """The newest link of a chain (seq 0 and hash "" for an empty one)."""

    tenant: int
    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class AuditVerification:
    """The result of walking chains or checking heads; the first broken link when not ok."""

    ok: bool
    chains: int
    records: int  # records checked
    heads: tuple[AuditHead, ...]  # every chain's head as verified
    broken_tenant: int
    broken_seq: int
    problem: str  # "hash does not match the record's content", ...; "" when ok
    unsealed: int  # records committed but not yet linked into their chain (PostgreSQL)


# ---- operations (boka/operations.hpp) ------------------------------------------------------


class HealthStatus(str, enum.Enum):
    OK = "ok"
    DEGRADED = "degraded"
    FAILING = "failing"


@dataclass(frozen=True, slots=True)
class HealthOptions:
    """What :meth:`boka.Operations.health` checks; the defaults are the C++ library's."""

    backup_max_age: timedelta = timedelta(hours=26)  # 0: backups are not checked
    heartbeats: Sequence[str] = ("worker",)  # components expected to report a heartbeat
    heartbeat_max_age: timedelta = timedelta(seconds=120)
    min_free_disk_fraction: float = 0.05
    min_free_disk_bytes: int = 1 << 30
    storage_slow_after: timedelta = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class HealthCheck:
    name: str  # "storage", "schema", "read_only", "disk", "backup", "heartbeat:worker"
    status: HealthStatus
    detail: str


@dataclass(frozen=True, slots=True)
class Heartbeat:
    component: str  # "worker"
    last_seen: Optional[datetime]  # None: never reported


@dataclass(frozen=True, slots=True)
class HealthReport:
    status: HealthStatus  # the worst check
    checked_at: datetime
    dialect: str
    location: str  # never a password
    schema_version: int
    expected_schema_version: int
    storage_reachable: bool
    storage_latency_seconds: float
    read_only: bool
    read_only_reason: str
    disk_free_bytes: Optional[int]  # file stores only
    disk_total_bytes: Optional[int]
    last_backup_at: Optional[datetime]
    heartbeats: tuple[Heartbeat, ...]  # the components HealthOptions.heartbeats expects
    checks: tuple[HealthCheck, ...]


@dataclass(frozen=True, slots=True)
class TableStats:
    table: str
    rows: int
    bytes: int  # data and indexes; 0 where the store cannot tell


class BackupKind(str, enum.Enum):
    MANUAL = "manual"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True, slots=True)
class BackupManifest:
    """Written next to every backup as <backup>.manifest.json. Holds no secret."""

    format: str  # "boka-backup/1"
    file: str  # the backup's file name (same directory)
    kind: BackupKind
    created_at: datetime  # when the snapshot was taken
    source: str  # the database file backed up
    schema_version: int
    sha256: str
    size_bytes: int
    tables: tuple[TableStats, ...]  # row counts in the snapshot (bytes 0)
    audit_heads: tuple[AuditHead, ...]  # every chain's head in the snapshot
    boka_version: str


@dataclass(frozen=True, slots=True)
class BackupVerification:
    ok: bool
    integrity: str  # SQLite's integrity_check answer ("ok")
    checksum_matches: bool
    counts_match: bool
    audit: AuditVerification  # the chains in the copy
    heads_match: bool  # the copy's chain heads are the manifest's
    problems: tuple[str, ...]  # empty when ok


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: str  # the backup file
    manifest_path: str
    manifest: BackupManifest
    removed: tuple[str, ...]  # backups deleted by retention
    verification: Optional[BackupVerification]  # when verify=True


# ---- authentication (boka/auth.hpp) --------------------------------------------------------


class Role(str, enum.Enum):
    CUSTOMER = "customer"
    STAFF = "staff"
    ADMIN = "admin"
    SUPERADMIN = "superadmin"


class UserState(str, enum.Enum):
    ACTIVE = "active"
    LOCKED = "locked"
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class AuthOptions:
    """Password hashing, lockout, sessions and MFA of an engine; the defaults are the C++
    library's. Without ``encryption_key`` (32 bytes: raw, 64 hex digits or base64) TOTP
    enrolment is NotSupportedError."""

    argon2_memory_kib: int = 19456
    argon2_iterations: int = 2
    argon2_parallelism: int = 1
    lockout_threshold: int = 5
    lockout_initial_wait: timedelta = timedelta(seconds=1)
    lockout_max_wait: timedelta = timedelta(seconds=900)
    failure_reset_after: timedelta = timedelta(hours=12)
    max_failures_per_hour: int = 100
    session_idle: timedelta = timedelta(minutes=30)
    session_absolute: timedelta = timedelta(hours=12)
    admin_session_idle: timedelta = timedelta(minutes=15)
    admin_session_absolute: timedelta = timedelta(hours=12)
    totp_issuer: str = "boka"
    totp_max_failures: int = 5
    totp_lockout: timedelta = timedelta(minutes=15)
    encryption_key: str = ""
    encryption_key_id: str = "k1"
    previous_encryption_keys: Sequence[tuple[str, str]] = ()  # (id, key)
    emergency_key_lifetime: timedelta = timedelta(hours=1)
    # How long a verified session or API key is used without reading the store (0..60 s);
    # revocations made through other engines take up to that long to reach this one.
    credential_cache: timedelta = timedelta(0)


@dataclass(frozen=True, slots=True)
class User:
    """A user account (never its password)."""

    id: int
    tenant: int
    email: str
    display_name: str
    role: Role
    state: UserState
    mfa_enabled: bool
    created_at: datetime
    last_login_at: Optional[datetime]
    failed_logins: int
    locked_until: Optional[datetime]
    version: int


@dataclass(frozen=True, slots=True)
class Session:
    """A login session (never its token)."""

    id: int
    tenant: int
    user: int
    created_at: datetime
    last_seen_at: datetime
    idle_expires_at: datetime
    absolute_expires_at: datetime
    mfa_passed: bool
    mfa_pending: bool  # can only verify MFA or log out
    source: str


@dataclass(frozen=True, slots=True)
class SessionGrant:
    """A new session: its bearer token (shown once) and the principal to act as."""

    token: str
    session: Session
    mfa_pending: bool
    principal: Principal = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class TotpEnrollment:
    """A TOTP secret to add to an authenticator app, then confirm with a code. Shown once."""

    secret: str  # RFC 4648 base32
    provisioning_uri: str  # otpauth://totp/...


@dataclass(frozen=True, slots=True)
class MfaEnabled:
    """A new MFA-passed session and ten single-use recovery codes (shown once)."""

    token: str
    session: Session
    mfa_pending: bool
    principal: Principal = field(repr=False, compare=False)
    recovery_codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key (never its secret)."""

    id: int
    tenant: int
    created_by: int  # 0: the system
    created_by_tenant: int
    parent: int  # the key this key was created with, or 0
    name: str
    scopes: tuple[str, ...]  # permission names ("availability:read")
    role: Role  # the ceiling: the creator's role
    created_at: datetime
    expires_at: Optional[datetime]
    last_used_at: Optional[datetime]
    revoked_at: Optional[datetime]
    emergency: bool


@dataclass(frozen=True, slots=True)
class CreatedApiKey(ApiKey):
    """A new API key with its secret, shown once: pass ``key`` to
    :meth:`boka.Auth.authenticate_api_key` (or send it as a Bearer token)."""

    key: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class KeyRotation:
    """What one call of :meth:`boka.Auth.rotate_encryption_key` re-sealed."""

    key_id: str  # the current key, which everything re-sealed is now under
    resealed: int  # users whose TOTP secrets this call re-sealed
    remaining: int  # users with a secret under another key still: call again until 0


@dataclass(frozen=True, slots=True)
class SecurityEvent:
    """A security event (login, lockout, MFA, sessions, keys): an ``auth.*`` record of the
    tenant's audit chain. Never holds a secret; the kinds are listed in docs/auth.md."""

    id: int  # the record's seq in the tenant's chain
    tenant: int
    at: datetime
    kind: str  # "login_failed", "lockout", "mfa_failed", ...
    user: int  # 0 when unknown (a login for an unknown email)
    email: str  # the login name involved, or ""
    actor: str  # who acted, or "" for an anonymous attempt
    source: str  # the client address, or ""
    detail: str  # short human-readable detail
    outcome: AuditOutcome


@dataclass(frozen=True, slots=True)
class MfaStatsByRole:
    role: Role
    with_mfa: int
    without_mfa: int


@dataclass(frozen=True, slots=True)
class MfaStats:
    """MFA adoption among active and locked users (disabled ones are not counted)."""

    with_mfa: int
    without_mfa: int
    by_role: tuple[MfaStatsByRole, ...]  # one per role, customer first


# ---- recurring series (boka/series.hpp) ----------------------------------------------------


class SeriesMode(str, enum.Enum):
    """What booking a series does with occurrences that cannot be booked."""

    ALL_OR_NOTHING = "all_or_nothing"  # any refused occurrence refuses the whole series
    SKIP_CONFLICTS = "skip_conflicts"  # the free occurrences are booked, the others reported


class SeriesScope(str, enum.Enum):
    """Which occurrences a change of a series applies to, counted from one occurrence."""

    THIS_OCCURRENCE = "this_occurrence"  # that occurrence alone
    THIS_AND_FOLLOWING = "this_and_following"  # it and every later one (splits the series)
    WHOLE_SERIES = "whole_series"  # every occurrence that has not started yet


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence of a series."""

    date: date  # the local date the rule generated (what an EXDATE names)
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class SkippedOccurrence(Occurrence):
    """An occurrence that was not booked (skip_conflicts) or is not free (check), and why."""

    code: Code  # CONFLICT, or INVALID_ARGUMENT (off the grid, duration bounds)
    reason: str  # names the resource and the rule
    blocking_reservation_ids: tuple[int, ...]  # those the caller may see


@dataclass(frozen=True, slots=True)
class RefusedOccurrence:
    """An occurrence of a refused series (:attr:`boka.ConflictError.occurrences`)."""

    start: datetime
    end: datetime
    code: Code  # CONFLICT, or INVALID_ARGUMENT (off the grid, duration bounds)
    reason: str  # why, naming the resource and the rule
    blocking_reservation_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Series:
    """A stored series. It always describes what is booked: an occurrence skipped or
    cancelled alone is one of its exdates, and a "this and following" change ends it with an
    UNTIL and starts a new series whose split_from names it."""

    id: int
    tenant: int
    allocations: tuple[AllocationRequest, ...]
    first_date: date  # the first occurrence (DTSTART)
    start_minute: int  # local wall time of every occurrence, minutes after midnight
    duration: timedelta  # each occurrence's length
    zone: str  # the IANA zone its local times are read in
    rule: str  # the RRULE text, "FREQ=WEEKLY;BYDAY=TU;COUNT=10"
    exdates: tuple[date, ...]
    customer: str
    customer_id: Optional[int]
    metadata: dict[str, Any] = field(hash=False)
    split_from: Optional[int]
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class SeriesBooking:
    """A booked series (:meth:`boka.RecurringBookings.book`)."""

    series: Series
    reservations: tuple[Reservation, ...]  # the booked occurrences, by date
    skipped: tuple[SkippedOccurrence, ...]  # skip_conflicts: left out (the series' EXDATEs)


@dataclass(frozen=True, slots=True)
class SeriesAvailability:
    """Which occurrences of a series would be booked now (:meth:`boka.RecurringBookings.check`)."""

    free: tuple[Occurrence, ...]
    taken: tuple[SkippedOccurrence, ...]


@dataclass(frozen=True, slots=True)
class SeriesChange:
    """What a cancel or reschedule of a series did."""

    series: Series  # the series now (for a split, the old part)
    split: Optional[Series]  # the new series a this_and_following change started
    changed: tuple[Reservation, ...]  # every reservation the change wrote, by start


# ---- the waitlist (boka/waitlist.hpp) ------------------------------------------------------


class WaitlistStatus(str, enum.Enum):
    """Where a waitlist entry stands."""

    WAITING = "waiting"  # in the queue
    OFFERED = "offered"  # holds an offer (a held reservation) until offer_expires_at
    ACCEPTED = "accepted"  # the offer was confirmed: a real booking
    CANCELLED = "cancelled"  # left the queue on request
    EXPIRED = "expired"  # its own expires_at passed while waiting
    LAPSED = "lapsed"  # its offer was not confirmed in time


@dataclass(frozen=True, slots=True)
class WaitlistEntry:
    """One entry of a tenant's waitlist (:class:`boka.Waitlist`)."""

    id: int
    tenant: int
    allocations: tuple[AllocationRequest, ...]  # what a booking for it takes
    earliest_start: datetime  # the starts it accepts: [earliest_start, latest_start]
    latest_start: datetime
    duration: timedelta
    customer: str  # whom the offer is for
    customer_id: Optional[int]  # the customer record, carried onto the offer
    priority: int  # higher first, then joined_at, then id
    joined_at: datetime
    expires_at: datetime  # it stops waiting at this instant
    status: WaitlistStatus
    offer: Optional[int]  # the held reservation offered (OFFERED, ACCEPTED)
    offer_expires_at: Optional[datetime]  # while OFFERED
    metadata: dict[str, Any] = field(hash=False)  # copied onto the offered hold
    updated_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class WaitlistPosition:
    """A waitlist entry and where it stands in its queue (:meth:`boka.Waitlist.get`)."""

    entry: WaitlistEntry
    position: int  # 1 + the competing waiting entries ahead of it; 0 when not waiting


# ---- services and customers (boka/service.hpp, boka/customer.hpp) --------------------------


@dataclass(frozen=True, slots=True)
class Service:
    """An appointment type (:class:`boka.Services`): what one booking takes, for how long,
    at what price. Change it with ``dataclasses.replace`` and pass it to ``update``."""

    id: int
    tenant: int
    name: str
    description: str
    duration: timedelta  # a booking's length when it names none
    allowed_durations: tuple[timedelta, ...]  # other lengths a booking may choose
    allocations: tuple[AllocationRequest, ...]  # what one booking takes
    buffer_before: timedelta  # the larger of these and each resource's own applies
    buffer_after: timedelta
    min_notice: timedelta
    price_minor: Optional[int]  # minor units of currency (cents); None: no price
    currency: str  # ISO 4217 ("EUR"); required with a price
    customer_bookable: bool  # customers may book it and see it
    rules: BookingRules
    metadata: dict[str, Any] = field(hash=False)
    created_at: datetime
    updated_at: datetime
    archived_at: Optional[datetime]  # archived services take no new bookings
    version: int


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer record of a tenant (:class:`boka.Customers`). Change it with
    ``dataclasses.replace`` and pass it to ``update``."""

    id: int
    tenant: int
    display_name: str  # "" only once erased
    email: str  # stored lower-case; unique among the tenant's live customers
    phone: str
    locale: str  # "" or a BCP 47 tag ("de", "pt-BR")
    time_zone: str  # "" or an IANA zone
    notes: str  # staff notes
    external_ref: str  # the business's own id; unique among live customers
    user: Optional[int]  # the customer-role user who is this customer
    merged_into: Optional[int]  # set once merged: a tombstone pointing at the survivor
    erased_at: Optional[datetime]  # set once erased: every personal field is empty
    created_at: datetime
    updated_at: datetime
    version: int

    @property
    def live(self) -> bool:
        """Neither merged nor erased."""
        return self.merged_into is None and self.erased_at is None


@dataclass(frozen=True, slots=True)
class Event:
    """One change, as other systems see it (:class:`boka.Events`, docs/events.md)."""

    id: int  # unique, never reused: the webhook-id of its deliveries
    position: int  # its place in the feed: pass the last one back as ``after``
    tenant: int
    type: str  # "reservation.created", "reservation.cancelled", ...
    subject: str  # "reservation:42", "series:7", "waitlist:3", "customer:12"
    occurred_at: datetime
    actor: str  # the principal that made the change
    source: str  # where it acted from ("" for the system principal)
    customer_id: Optional[int]  # the customer record the subject belongs to
    data: dict[str, Any] = field(hash=False)  # {"reservation": {...}}, {"customer": {...}}, ...


@dataclass(frozen=True, slots=True)
class EventPage:
    """A page of the event feed (:meth:`boka.Events.list`)."""

    events: list[Event] = field(hash=False)
    next_after: int  # pass it back as ``after`` for the next page
    more: bool  # a full page: ask again at once


class DeliveryStatus(str, enum.Enum):
    """Where a webhook delivery stands."""

    PENDING = "pending"  # waiting for its first or next attempt
    DELIVERED = "delivered"  # a 2xx answer
    DEAD = "dead"  # attempts exhausted (or the endpoint deleted): replay to retry


@dataclass(frozen=True, slots=True)
class WebhookOptions:
    """How the engine delivers webhooks (docs/webhooks.md); the defaults are the C++
    library's. ``allow_addresses``: CIDRs endpoints may reach although not public."""

    allow_addresses: str = ""
    connect_timeout_ms: int = 5000
    timeout_ms: int = 10000
    max_response_bytes: int = 16384
    retry_schedule: Sequence[timedelta] = (
        timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
        timedelta(hours=5), timedelta(hours=10), timedelta(hours=10))
    disable_after: timedelta = timedelta(days=5)
    lease: timedelta = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    """Where a tenant's events go (:class:`boka.Webhooks`); never its secret. Change it with
    ``dataclasses.replace`` and pass it to ``update_endpoint``."""

    id: int
    tenant: int
    url: str
    event_types: Sequence[str]  # names or "family.*"; empty: every type
    description: str
    active: bool  # False: no deliveries (set by boka after failing for days)
    disabled_reason: str
    after_position: int  # the feed position scheduled up to
    failing_since: Optional[datetime]
    previous_secret_expires_at: Optional[datetime]  # during a rotation
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class CreatedWebhookEndpoint:
    """An endpoint with its secret ("whsec_..."), returned once."""

    endpoint: WebhookEndpoint
    secret: str = field(repr=False)  # keep it out of logs


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """One event on its way to one endpoint."""

    id: int
    tenant: int
    endpoint: int
    event: int  # the event id; the webhook-id is "evt_<id>"
    event_position: int
    event_type: str
    subject: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_status_code: Optional[int]
    last_latency_ms: Optional[int]
    last_error: str
    replay: bool
    leased_until: Optional[datetime]  # set while a worker attempts it
    created_at: datetime
    delivered_at: Optional[datetime]


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One attempt of a webhook delivery."""

    delivery: int
    attempt: int
    at: datetime
    status_code: Optional[int]  # None: no answer
    latency_ms: int
    error: str


@dataclass(frozen=True, slots=True)
class DeliveryRound:
    """What one :meth:`boka.Webhooks.deliver` round did."""

    scheduled: int
    attempted: int
    delivered: int
    failed: int
    dead: int
    disabled: int


class FeedKind(str, enum.Enum):
    """Whose bookings a calendar feed holds."""

    RESOURCE = "resource"  # every booking of a resource
    CUSTOMER = "customer"  # the bookings of a customer record
    USER = "user"  # a user's own bookings


@dataclass(frozen=True, slots=True)
class CalendarFeed:
    """An iCalendar feed of bookings (:class:`boka.CalendarFeeds`), without its token."""

    id: int
    tenant: int
    kind: FeedKind
    subject: int  # the resource, customer or user id
    name: str
    created_at: datetime
    revoked_at: Optional[datetime]


@dataclass(frozen=True, slots=True)
class CreatedFeed:
    """A new feed and its token ("bokf_..."), shown once."""

    feed: CalendarFeed
    token: str = field(repr=False)  # keep it out of logs


@dataclass(frozen=True, slots=True)
class ManageLink:
    """A reservation's manage link (boka/links.hpp): its token is the capability."""

    tenant: int
    reservation: int
    generation: int
    token: str = field(repr=False)  # keep it out of logs


# ---- customer mail (boka/mail.hpp) and payments (boka/payments.hpp) --------------------------


class MailKind(str, enum.Enum):
    """The messages boka writes to customers (docs/mail.md)."""

    CONFIRMATION = "confirmation"
    CANCELLATION = "cancellation"
    RESCHEDULE = "reschedule"
    REMINDER = "reminder"


class EmailStatus(str, enum.Enum):
    """Where a message stands."""

    PENDING = "pending"  # waiting for its first or next attempt
    SENT = "sent"  # the SMTP server accepted it
    DEAD = "dead"  # refused for good or out of attempts: Mail.retry sends it again
    SKIPPED = "skipped"  # no longer true when its turn came


class SmtpSecurity(str, enum.Enum):
    """How the SMTP connection is protected."""

    NONE = "none"
    STARTTLS_IF_OFFERED = "starttls_if_offered"
    STARTTLS_REQUIRED = "starttls_required"
    IMPLICIT = "implicit"


@dataclass(frozen=True, slots=True)
class MailOptions:
    """How the engine submits customer mail (docs/mail.md); the defaults are the C++
    library's. ``smtp_url`` "" sends no mail; ``from_address`` is required with it."""

    smtp_url: str = ""
    security: SmtpSecurity = SmtpSecurity.STARTTLS_REQUIRED
    username: str = ""
    password: str = field(default="", repr=False)  # keep it out of logs
    ca_file: str = ""
    from_address: str = ""
    connect_timeout_ms: int = 10000
    timeout_ms: int = 60000
    retry_schedule: Sequence[timedelta] = (
        timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
        timedelta(hours=5), timedelta(hours=10), timedelta(hours=10))
    lease: timedelta = timedelta(minutes=2)
    public_url: str = ""  # the web app's origin: messages carry manage links


@dataclass(frozen=True, slots=True)
class MailTemplate:
    """A tenant's own text for one kind of message (a Mustache subset, docs/mail.md)."""

    kind: MailKind
    locale: str = ""  # "": every customer; else a language such as "de"
    subject: str = ""
    text: str = ""
    html: str = ""  # "": no HTML part


@dataclass(frozen=True, slots=True)
class MailSettings:
    """How a tenant's customer mail goes out (:class:`boka.Mail`). Change it with
    ``dataclasses.replace`` and pass it to ``update_settings``."""

    tenant: int
    enabled: bool
    kinds: Sequence[MailKind]
    from_name: str  # "": the tenant's name
    reply_to: str
    locale: str  # for customers without one
    time_zone: str  # for customers without one; "": the booking's resource's zone
    reminder_lead: timedelta
    templates: Sequence[MailTemplate]
    updated_at: datetime
    version: int  # 0 until first saved


@dataclass(frozen=True, slots=True)
class Email:
    """One message to one customer."""

    id: int
    tenant: int
    kind: MailKind
    reservation: int
    customer: Optional[int]
    event: Optional[int]  # the event it was written for; None for reminders
    to: str  # "" once its customer was erased
    subject: str
    locale: str
    time_zone: str  # the zone its dates are in
    message_id: str  # the Message-ID header, the same in every attempt
    status: EmailStatus
    attempts: int
    next_attempt_at: datetime
    last_smtp_code: Optional[int]
    last_error: str
    leased_until: Optional[datetime]  # set while a worker sends it
    created_at: datetime
    sent_at: Optional[datetime]


@dataclass(frozen=True, slots=True)
class EmailContent:
    """A message as it is (or would be) sent."""

    to: str
    subject: str
    text: str
    html: str  # "": no HTML part
    ics: str  # the attached booking (text/calendar)


@dataclass(frozen=True, slots=True)
class MailRound:
    """What one :meth:`boka.Mail.send` round did."""

    written: int
    attempted: int
    sent: int
    failed: int
    dead: int
    skipped: int
    failed_tenants: int  # tenants whose messages could not be written (tried next round)
    last_error: str
    server_refused: bool  # the SMTP server refused the configuration: the round stopped


class PaymentOutcome(str, enum.Enum):
    """What became of a payment provider's notification (docs/payments.md)."""

    PAID = "paid"
    FAILED = "failed"
    REFUNDED = "refunded"
    LATE = "late"  # paid after the hold lapsed: refund it
    MISMATCH = "mismatch"  # not the booking's amount or currency: nothing changed
    IGNORED = "ignored"
    DUPLICATE = "duplicate"  # this provider event was taken before


@dataclass(frozen=True, slots=True)
class PaymentSettings:
    """A tenant's payment setup (:class:`boka.Payments`); never the signing secret."""

    tenant: int
    enabled: bool
    payment_window: timedelta  # how long a customer's booking is held for payment
    tolerance: timedelta  # how old a notification may be
    has_secret: bool
    updated_at: datetime
    version: int  # 0 until first saved


@dataclass(frozen=True, slots=True)
class PaymentNotice:
    """What a provider notification did."""

    provider_event_id: str
    type: str
    outcome: PaymentOutcome
    reservation: Optional[int]
    payment_status: PaymentStatus  # the reservation's, after
    reservation_status: Optional[ReservationStatus]
