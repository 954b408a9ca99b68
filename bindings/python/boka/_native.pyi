# Type stubs of boka._native, the pybind11 module (bindings/python/src/module.cpp).
# tests/python/test_stubs.py checks that every public name is in both.
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any, Literal, Optional

from ._types import (
    Email,
    EmailContent,
    EmailStatus,
    MailKind,
    MailOptions,
    MailRound,
    MailSettings,
    PaymentNotice,
    PaymentSettings,
    PaymentStatus,
    AllocationRequest,
    BookingRules,
    Customer,
    Event,
    EventPage,
    CalendarFeed,
    CreatedFeed,
    FeedKind,
    ManageLink,
    CreatedWebhookEndpoint,
    DeliveryAttempt,
    DeliveryRound,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookOptions,
    ReservationOrder,
    Service,
    ApiKey,
    AuthOptions,
    CreatedApiKey,
    KeyRotation,
    MfaEnabled,
    MfaStats,
    Role,
    SecurityEvent,
    Session,
    SessionGrant,
    TotpEnrollment,
    User,
    UserState,
    AuditHead,
    AuditOutcome,
    AuditRecord,
    AuditVerification,
    BackupKind,
    BackupResult,
    BackupVerification,
    DateOverride,
    Explanation,
    HealthOptions,
    HealthReport,
    HolidayRule,
    Policy,
    Pool,
    Reservation,
    ReservationStatus,
    Resource,
    Schedule,
    Series,
    SeriesAvailability,
    SeriesBooking,
    SeriesChange,
    SeriesMode,
    SeriesScope,
    Slot,
    SlotPage,
    StorageInfo,
    TableStats,
    Tenant,
    WaitlistEntry,
    WaitlistPosition,
    WaitlistStatus,
    WeeklyRule,
)

def version() -> str: ...
def code_name(code: int) -> str: ...

# Backup files (no engine needed; run with every process using the target stopped).
def verify_backup(path: str) -> BackupVerification: ...
def restore_backup(path: str, target: str, *, overwrite: bool = False) -> None: ...
def apply_retention(directory: str, kind: BackupKind | str, keep: int) -> list[str]: ...

class Principal:
    """Who acts: the system principal, a user (a session) or an API key."""

    @staticmethod
    def system() -> Principal: ...
    @property
    def kind(self) -> Literal["system", "user", "api_key"]: ...
    @property
    def name(self) -> str: ...

class ManualClock:
    """A clock that only moves when told to, for tests and simulations."""

    def __init__(self, now: datetime) -> None: ...
    def now(self) -> datetime: ...
    def set(self, now: datetime) -> None: ...
    def advance(self, by: timedelta) -> None: ...

class Engine:
    """A booking engine over a store ("memory:", "sqlite:path.db", "postgresql://...").

    Thread-safe; every call releases the GIL while the engine works. ``who`` defaults to
    the system principal.
    """

    def __init__(
        self,
        uri: str,
        *,
        clock: Optional[ManualClock] = None,
        read_only: bool = False,
        read_only_reason: str = "",
        auth: Optional[AuthOptions] = None,
        waitlist_offer_window: Optional[timedelta] = None,
        event_retention: Optional[timedelta] = None,
        webhooks: Optional[WebhookOptions] = None,
        mail: Optional[MailOptions] = None,
    ) -> None: ...
    @property
    def auth(self) -> Auth: ...
    @property
    def series(self) -> RecurringBookings: ...
    @property
    def waitlist(self) -> Waitlist: ...
    @property
    def services(self) -> Services: ...
    @property
    def customers(self) -> Customers: ...
    @property
    def events(self) -> Events: ...
    @property
    def webhooks(self) -> Webhooks: ...
    @property
    def feeds(self) -> CalendarFeeds: ...
    @property
    def manage_links(self) -> ManageLinks: ...
    @property
    def mail(self) -> Mail: ...
    @property
    def payments(self) -> Payments: ...
    @property
    def operations(self) -> Operations: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    def __enter__(self) -> Engine: ...
    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None: ...

    # Tenants
    def create_tenant(self, name: str, *, who: Optional[Principal] = None) -> Tenant: ...
    def get_tenant(self, id: int, *, who: Optional[Principal] = None) -> Tenant: ...
    def list_tenants(self, *, who: Optional[Principal] = None) -> list[Tenant]: ...
    def update_tenant(self, tenant: Tenant, *, who: Optional[Principal] = None) -> Tenant: ...
    def archive_tenant(self, id: int, *, who: Optional[Principal] = None) -> Tenant: ...
    def update_tenant_rules(
        self,
        id: int,
        *,
        rules: BookingRules,
        max_hold: timedelta,
        expected_version: int,
        who: Optional[Principal] = None,
    ) -> Tenant: ...

    # Resources
    def create_resource(
        self,
        tenant: int,
        *,
        name: str,
        zone: str,
        capacity: int = 1,
        policy: Optional[Policy] = None,
        rules: Optional[BookingRules] = None,
        schedule: Optional[int] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        who: Optional[Principal] = None,
    ) -> Resource: ...
    def get_resource(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> Resource: ...
    def list_resources(
        self, tenant: int, *, include_archived: bool = False, who: Optional[Principal] = None
    ) -> list[Resource]: ...
    def update_resource(
        self, tenant: int, resource: Resource, *, who: Optional[Principal] = None
    ) -> Resource: ...
    def archive_resource(
        self, tenant: int, id: int, *, who: Optional[Principal] = None
    ) -> Resource: ...

    # Schedules
    def create_schedule(
        self,
        tenant: int,
        *,
        name: str,
        weekly: Iterable[WeeklyRule] = (),
        overrides: Iterable[DateOverride] = (),
        holidays: Iterable[HolidayRule] = (),
        who: Optional[Principal] = None,
    ) -> Schedule: ...
    def get_schedule(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> Schedule: ...
    def list_schedules(
        self, tenant: int, *, include_archived: bool = False, who: Optional[Principal] = None
    ) -> list[Schedule]: ...
    def update_schedule(
        self, tenant: int, schedule: Schedule, *, who: Optional[Principal] = None
    ) -> Schedule: ...
    def archive_schedule(
        self, tenant: int, id: int, *, who: Optional[Principal] = None
    ) -> Schedule: ...

    # Pools
    def create_pool(
        self, tenant: int, *, name: str, members: Iterable[int], who: Optional[Principal] = None
    ) -> Pool: ...
    def get_pool(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> Pool: ...
    def list_pools(
        self, tenant: int, *, include_archived: bool = False, who: Optional[Principal] = None
    ) -> list[Pool]: ...
    def update_pool(self, tenant: int, pool: Pool, *, who: Optional[Principal] = None) -> Pool: ...
    def archive_pool(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> Pool: ...

    # Availability
    def availability(
        self,
        tenant: int,
        requests: Iterable[AllocationRequest],
        start: datetime,
        end: datetime,
        duration: Optional[timedelta] = None,
        *,
        service: Optional[int] = None,
        step: Optional[timedelta] = None,
        who: Optional[Principal] = None,
    ) -> list[Slot]: ...
    def availability_page(
        self,
        tenant: int,
        requests: Iterable[AllocationRequest],
        start: datetime,
        end: datetime,
        duration: Optional[timedelta] = None,
        *,
        service: Optional[int] = None,
        step: Optional[timedelta] = None,
        limit: int = 10000,
        who: Optional[Principal] = None,
    ) -> SlotPage: ...
    def explain(
        self,
        tenant: int,
        requests: Iterable[AllocationRequest],
        start: datetime,
        duration: timedelta,
        *,
        who: Optional[Principal] = None,
    ) -> Explanation: ...

    # Reservations
    def reserve(
        self,
        tenant: int,
        allocations: Iterable[AllocationRequest],
        start: datetime,
        end: Optional[datetime] = None,
        *,
        service: Optional[int] = None,
        hold_for: Optional[timedelta] = None,
        idempotency_key: str = "",
        customer: str = "",
        customer_id: Optional[int] = None,
        notes: str = "",
        metadata: Optional[Mapping[str, Any]] = None,
        override_rules: bool = False,
        who: Optional[Principal] = None,
    ) -> Reservation: ...
    def confirm(
        self, tenant: int, id: int, *, if_version: Optional[int] = None, who: Optional[Principal] = None
    ) -> Reservation: ...
    def cancel(
        self,
        tenant: int,
        id: int,
        *,
        if_version: Optional[int] = None,
        override_rules: bool = False,
        who: Optional[Principal] = None,
    ) -> Reservation: ...
    def mark_completed(
        self, tenant: int, id: int, *, if_version: Optional[int] = None, who: Optional[Principal] = None
    ) -> Reservation: ...
    def mark_no_show(
        self, tenant: int, id: int, *, if_version: Optional[int] = None, who: Optional[Principal] = None
    ) -> Reservation: ...
    def reschedule(
        self,
        tenant: int,
        id: int,
        start: datetime,
        end: datetime,
        *,
        if_version: Optional[int] = None,
        override_rules: bool = False,
        who: Optional[Principal] = None,
    ) -> Reservation: ...
    def update_reservation(
        self,
        tenant: int,
        id: int,
        *,
        customer: Optional[str] = None,
        customer_id: Optional[int] = None,
        notes: Optional[str] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        start: Optional[datetime] = None,
        end: Optional[datetime] = None,
        allocations: Optional[Iterable[AllocationRequest]] = None,
        quantity: Optional[int] = None,
        if_version: Optional[int] = None,
        override_rules: bool = False,
        who: Optional[Principal] = None,
    ) -> Reservation: ...
    def get_reservation(
        self, tenant: int, id: int, *, who: Optional[Principal] = None
    ) -> Reservation: ...
    def list_reservations(
        self,
        tenant: int,
        *,
        resource: Optional[int] = None,
        pool: Optional[int] = None,
        start: Optional[datetime] = None,
        end: Optional[datetime] = None,
        statuses: Iterable[ReservationStatus | str] = (),
        customer: Optional[str] = None,
        customer_id: Optional[int] = None,
        series: Optional[int] = None,
        service: Optional[int] = None,
        order: ReservationOrder | str = "by_id",
        after_id: int = 0,
        after_start: Optional[datetime] = None,
        limit: int = 100,
        who: Optional[Principal] = None,
    ) -> list[Reservation]: ...
    def expire_holds(self, limit: int = 1000, *, who: Optional[Principal] = None) -> int: ...

class Waitlist:
    """The waitlist of an engine (``engine.waitlist``): freed capacity is offered to the first
    waiting entry that fits, as a hold in its customer's name."""

    def join(
        self,
        tenant: int,
        allocations: Iterable[AllocationRequest],
        earliest_start: datetime,
        *,
        latest_start: Optional[datetime] = None,
        duration: timedelta,
        expires_at: Optional[datetime] = None,
        customer: str = "",
        customer_id: Optional[int] = None,
        priority: int = 0,
        metadata: Optional[Mapping[str, Any]] = None,
        who: Optional[Principal] = None,
    ) -> WaitlistEntry: ...
    def get(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> WaitlistPosition: ...
    def list(
        self,
        tenant: int,
        *,
        resource: Optional[int] = None,
        pool: Optional[int] = None,
        customer: Optional[str] = None,
        customer_id: Optional[int] = None,
        statuses: Iterable[WaitlistStatus | str] = (),
        limit: int = 100,
        who: Optional[Principal] = None,
    ) -> list[WaitlistEntry]: ...
    def cancel(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> WaitlistEntry: ...
    def accept(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> Reservation: ...
    def set_priority(
        self, tenant: int, id: int, priority: int, *, who: Optional[Principal] = None
    ) -> WaitlistEntry: ...
    def sweep(self, limit: int = 1000, *, who: Optional[Principal] = None) -> int: ...

class Services:
    """Services of an engine (``engine.services``): appointment types a booking names
    instead of resources and a length."""

    def create(
        self,
        tenant: int,
        *,
        name: str,
        duration: timedelta,
        allocations: Iterable[AllocationRequest],
        description: str = "",
        allowed_durations: Iterable[timedelta] = (),
        buffer_before: timedelta = ...,
        buffer_after: timedelta = ...,
        min_notice: timedelta = ...,
        price_minor: Optional[int] = None,
        currency: str = "",
        customer_bookable: bool = True,
        rules: Optional[BookingRules] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        who: Optional[Principal] = None,
    ) -> Service: ...
    def get(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> Service: ...
    def list(
        self, tenant: int, *, include_archived: bool = False, who: Optional[Principal] = None
    ) -> list[Service]: ...
    def update(self, tenant: int, service: Service, *, who: Optional[Principal] = None) -> Service: ...
    def archive(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> Service: ...

class Events:
    """The event feed, boka's transactional outbox (``engine.events``): every change writes
    an event in its own transaction; read them in order with a cursor."""

    def list(
        self,
        tenant: int,
        *,
        after: int = 0,
        limit: int = 100,
        types: Optional[Iterable[str]] = None,
        subject: str = "",
        who: Optional[Principal] = None,
    ) -> EventPage: ...
    def get(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> Event: ...
    def head(self, tenant: int, *, who: Optional[Principal] = None) -> int: ...
    def prune(self, *, limit: int = 10000, who: Optional[Principal] = None) -> int: ...

class CalendarFeeds:
    """iCalendar feeds of bookings behind secret, revocable URLs (``engine.feeds``)."""

    def create(
        self,
        tenant: int,
        *,
        kind: FeedKind | str,
        subject: int,
        name: str = "",
        who: Optional[Principal] = None,
    ) -> CreatedFeed: ...
    def list(self, tenant: int, *, who: Optional[Principal] = None) -> list[CalendarFeed]: ...
    def revoke(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> CalendarFeed: ...
    def render(self, token: str) -> str: ...

class ManageLinks:
    """Signed, revocable links to one reservation for customers without an account
    (``engine.manage_links``)."""

    def issue(self, tenant: int, reservation: int, *, who: Optional[Principal] = None) -> ManageLink: ...
    def resolve(self, token: str) -> ManageLink: ...
    def revoke(self, tenant: int, reservation: int, *, who: Optional[Principal] = None) -> ManageLink: ...

class Webhooks:
    """Signed webhooks of an engine (``engine.webhooks``): endpoints, their deliveries,
    replays, and the worker's delivery round."""

    def create_endpoint(
        self,
        tenant: int,
        *,
        url: str,
        event_types: Iterable[str] = (),
        description: str = "",
        active: bool = True,
        who: Optional[Principal] = None,
    ) -> CreatedWebhookEndpoint: ...
    def get_endpoint(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> WebhookEndpoint: ...
    def list_endpoints(self, tenant: int, *, who: Optional[Principal] = None) -> list[WebhookEndpoint]: ...
    def update_endpoint(
        self, tenant: int, endpoint: WebhookEndpoint, *, who: Optional[Principal] = None
    ) -> WebhookEndpoint: ...
    def delete_endpoint(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> None: ...
    def rotate_secret(
        self, tenant: int, id: int, *, overlap: timedelta = ..., who: Optional[Principal] = None
    ) -> CreatedWebhookEndpoint: ...
    def list_deliveries(
        self,
        tenant: int,
        *,
        endpoint: Optional[int] = None,
        status: Optional[DeliveryStatus | str] = None,
        event: Optional[int] = None,
        before_id: int = 0,
        limit: int = 100,
        who: Optional[Principal] = None,
    ) -> list[WebhookDelivery]: ...
    def get_delivery(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> WebhookDelivery: ...
    def list_attempts(
        self, tenant: int, delivery: int, *, who: Optional[Principal] = None
    ) -> list[DeliveryAttempt]: ...
    def replay(
        self, tenant: int, endpoint: int, event: int, *, who: Optional[Principal] = None
    ) -> WebhookDelivery: ...
    def replay_dead(self, tenant: int, endpoint: int, *, who: Optional[Principal] = None) -> int: ...
    def deliver(self, *, limit: int = 100, who: Optional[Principal] = None) -> DeliveryRound: ...

class Mail:
    """Customer email of an engine (``engine.mail``): settings and templates, previews, the
    messages, and the worker's round."""

    def settings(self, tenant: int, *, who: Optional[Principal] = None) -> MailSettings: ...
    def update_settings(
        self, tenant: int, settings: MailSettings, *, who: Optional[Principal] = None
    ) -> MailSettings: ...
    def preview(
        self,
        tenant: int,
        *,
        kind: MailKind | str,
        reservation: int,
        settings: Optional[MailSettings] = None,
        who: Optional[Principal] = None,
    ) -> EmailContent: ...
    def list(
        self,
        tenant: int,
        *,
        status: Optional[EmailStatus | str] = None,
        kind: Optional[MailKind | str] = None,
        reservation: Optional[int] = None,
        customer: Optional[int] = None,
        before_id: int = 0,
        limit: int = 100,
        who: Optional[Principal] = None,
    ) -> list[Email]: ...
    def get(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> Email: ...
    def content(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> EmailContent: ...
    def retry(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> Email: ...
    def send(self, *, limit: int = 100, who: Optional[Principal] = None) -> MailRound: ...

class Payments:
    """Payment state of an engine (``engine.payments``): settings, the provider's signed
    notifications, and payments staff record by hand."""

    def settings(self, tenant: int, *, who: Optional[Principal] = None) -> PaymentSettings: ...
    def update_settings(
        self,
        tenant: int,
        settings: PaymentSettings,
        *,
        signing_secret: Optional[str] = None,
        who: Optional[Principal] = None,
    ) -> PaymentSettings: ...
    def handle_notification(
        self, tenant: int, *, signature_header: str, body: bytes | str
    ) -> PaymentNotice: ...
    def record(
        self,
        tenant: int,
        reservation: int,
        *,
        to: PaymentStatus | str,
        reference: str = "",
        who: Optional[Principal] = None,
    ) -> Reservation: ...

class Customers:
    """Customer records of an engine (``engine.customers``): their bookings, merging, export
    and erasure."""

    def create(
        self,
        tenant: int,
        *,
        display_name: str,
        email: str = "",
        phone: str = "",
        locale: str = "",
        time_zone: str = "",
        notes: str = "",
        external_ref: str = "",
        user: Optional[int] = None,
        who: Optional[Principal] = None,
    ) -> Customer: ...
    def get(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> Customer: ...
    def get_by_user(self, tenant: int, user: int, *, who: Optional[Principal] = None) -> Customer: ...
    def get_by_email(self, tenant: int, email: str, *, who: Optional[Principal] = None) -> Customer: ...
    def list(
        self,
        tenant: int,
        *,
        query: str = "",
        include_inactive: bool = False,
        after_id: int = 0,
        limit: int = 100,
        who: Optional[Principal] = None,
    ) -> list[Customer]: ...
    def update(
        self, tenant: int, customer: Customer, *, who: Optional[Principal] = None
    ) -> Customer: ...
    def bookings(
        self,
        tenant: int,
        id: int,
        *,
        resource: Optional[int] = None,
        pool: Optional[int] = None,
        start: Optional[datetime] = None,
        end: Optional[datetime] = None,
        statuses: Iterable[ReservationStatus | str] = (),
        series: Optional[int] = None,
        service: Optional[int] = None,
        order: ReservationOrder | str = "by_id",
        after_id: int = 0,
        after_start: Optional[datetime] = None,
        limit: int = 100,
        who: Optional[Principal] = None,
    ) -> list[Reservation]: ...
    def merge(
        self, tenant: int, kept: int, absorbed: int, *, who: Optional[Principal] = None
    ) -> Customer: ...
    def export_data(
        self, tenant: int, id: int, *, who: Optional[Principal] = None
    ) -> dict[str, Any]: ...
    def erase(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> Customer: ...

class RecurringBookings:
    """Recurring series of an engine (``engine.series``): a first occurrence in local wall
    time and an RRULE, booked as ordinary reservations that name their series."""

    def book(
        self,
        tenant: int,
        allocations: Iterable[AllocationRequest],
        first_date: date,
        start_minute: int,
        duration: timedelta,
        rule: str,
        *,
        exdates: Iterable[date] = (),
        mode: SeriesMode | str = "all_or_nothing",
        hold_for: Optional[timedelta] = None,
        idempotency_key: str = "",
        customer: str = "",
        customer_id: Optional[int] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        override_rules: bool = False,
        who: Optional[Principal] = None,
    ) -> SeriesBooking: ...
    def check(
        self,
        tenant: int,
        allocations: Iterable[AllocationRequest],
        first_date: date,
        start_minute: int,
        duration: timedelta,
        rule: str,
        *,
        exdates: Iterable[date] = (),
        who: Optional[Principal] = None,
    ) -> SeriesAvailability: ...
    def get(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> Series: ...
    def occurrences(
        self, tenant: int, id: int, *, who: Optional[Principal] = None
    ) -> list[Reservation]: ...
    def confirm(
        self, tenant: int, id: int, *, who: Optional[Principal] = None
    ) -> list[Reservation]: ...
    def cancel(
        self,
        tenant: int,
        reservation: int,
        scope: SeriesScope | str,
        *,
        override_rules: bool = False,
        who: Optional[Principal] = None,
    ) -> SeriesChange: ...
    def reschedule(
        self,
        tenant: int,
        reservation: int,
        scope: SeriesScope | str,
        *,
        first_date: Optional[date] = None,
        start_minute: Optional[int] = None,
        duration: Optional[timedelta] = None,
        rule: Optional[str] = None,
        override_rules: bool = False,
        who: Optional[Principal] = None,
    ) -> SeriesChange: ...

class Operations:
    """The audit trail, health, backups, read-only mode, heartbeats, statistics and metrics
    of an engine (``engine.operations``)."""

    def storage_info(self) -> StorageInfo: ...
    # Audit trail
    def audit_records(
        self,
        tenant: int,
        *,
        actor: Optional[str] = None,
        target: Optional[str] = None,
        action: Optional[str] = None,
        outcome: Optional[AuditOutcome | str] = None,
        start: Optional[datetime] = None,
        end: Optional[datetime] = None,
        after_seq: int = 0,
        limit: int = 1000,
        who: Optional[Principal] = None,
    ) -> list[AuditRecord]: ...
    def verify_audit(
        self, tenant: Optional[int] = None, *, who: Optional[Principal] = None
    ) -> AuditVerification: ...
    def check_audit_heads(
        self, heads: Iterable[AuditHead], *, who: Optional[Principal] = None
    ) -> AuditVerification: ...

    # Operations
    def metrics_text(self) -> str: ...
    def health(
        self, options: Optional[HealthOptions] = None, *, who: Optional[Principal] = None
    ) -> HealthReport: ...
    def database_stats(self, *, who: Optional[Principal] = None) -> list[TableStats]: ...
    def set_read_only(
        self, on: bool, reason: str = "", *, who: Optional[Principal] = None
    ) -> None: ...
    def read_only_reason(self) -> Optional[str]: ...
    def record_heartbeat(self, component: str, *, who: Optional[Principal] = None) -> None: ...
    def backup(
        self,
        directory: str,
        *,
        kind: BackupKind | str = "manual",
        keep: int = 0,
        verify: bool = False,
        who: Optional[Principal] = None,
    ) -> BackupResult: ...

class Auth:
    """Users, logins, sessions, TOTP MFA and API keys of an engine (``engine.auth``). A login
    or an API key gives a Principal to pass as ``who``."""

    # Users
    def create_user(
        self,
        tenant: int,
        *,
        email: str,
        password: str,
        display_name: str = "",
        role: Role | str = "customer",
        who: Optional[Principal] = None,
    ) -> User: ...
    def get_user(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> User: ...
    def list_users(
        self, tenant: int, *, after_id: int = 0, limit: int = 1000, who: Optional[Principal] = None
    ) -> list[User]: ...
    def set_user_role(
        self, tenant: int, id: int, role: Role | str, *, who: Optional[Principal] = None
    ) -> User: ...
    def set_user_state(
        self, tenant: int, id: int, state: UserState | str, *, who: Optional[Principal] = None
    ) -> User: ...
    def change_password(self, current: str, new: str, *, who: Principal) -> None: ...

    # Sessions
    def login(
        self, tenant: int, email: str, password: str, *, mfa_code: str = "", source: str = ""
    ) -> SessionGrant: ...
    def verify_mfa(self, token: str, code: str, *, source: str = "") -> SessionGrant: ...
    def authenticate_session(self, token: str) -> Principal: ...
    def authenticate_api_key(self, key: str, *, source: str = "") -> Principal: ...
    def logout(self, *, who: Principal) -> None: ...
    def list_sessions(
        self, tenant: int, *, user: Optional[int] = None, who: Optional[Principal] = None
    ) -> list[Session]: ...
    def end_session(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> None: ...

    # TOTP MFA
    def begin_totp_enrollment(self, *, who: Principal) -> TotpEnrollment: ...
    def confirm_totp_enrollment(self, code: str, *, who: Principal) -> MfaEnabled: ...
    def disable_totp(self, password: str, *, who: Principal) -> None: ...

    # API keys
    def create_api_key(
        self,
        tenant: int,
        *,
        name: str,
        scopes: Iterable[str],
        expires_in: Optional[timedelta] = None,
        who: Optional[Principal] = None,
    ) -> CreatedApiKey: ...
    def list_api_keys(
        self, tenant: int, *, after_id: int = 0, limit: int = 1000, who: Optional[Principal] = None
    ) -> list[ApiKey]: ...
    def revoke_api_key(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> ApiKey: ...
    def generate_emergency_key(
        self,
        tenant: int,
        *,
        lifetime: Optional[timedelta] = None,
        who: Optional[Principal] = None,
    ) -> CreatedApiKey: ...
    def rotate_encryption_key(
        self, limit: int = 1000, *, who: Optional[Principal] = None
    ) -> KeyRotation: ...

    # Users, sessions and reports across the tenant
    def find_user_by_email(
        self, tenant: int, email: str, *, who: Optional[Principal] = None
    ) -> User: ...
    def end_user_sessions(
        self, tenant: int, user: int, *, who: Optional[Principal] = None
    ) -> int: ...
    def force_logout_all(
        self, tenant: Optional[int] = None, *, who: Optional[Principal] = None
    ) -> int: ...
    def cleanup_sessions(self, limit: int = 10000, *, who: Optional[Principal] = None) -> int: ...
    def count_active_sessions(self, *, who: Optional[Principal] = None) -> int: ...
    def security_events(
        self,
        tenant: int,
        start: datetime,
        end: datetime,
        *,
        kind: str = "",
        limit: int = 1000,
        who: Optional[Principal] = None,
    ) -> list[SecurityEvent]: ...
    def locked_accounts(self, tenant: int, *, who: Optional[Principal] = None) -> list[User]: ...
    def mfa_stats(self, tenant: int, *, who: Optional[Principal] = None) -> MfaStats: ...
    def list_admins(
        self, tenant: Optional[int] = None, *, who: Optional[Principal] = None
    ) -> list[User]: ...
    def revoke_admin(self, tenant: int, id: int, *, who: Optional[Principal] = None) -> User: ...
