"""boka: an embeddable booking engine.

Open an :class:`Engine` from a URI ("memory:", "sqlite:bookings.db", "postgresql://..."),
then manage tenants, resources, schedules and pools, ask for availability, and reserve::

    import boka
    from datetime import datetime, timedelta, timezone

    with boka.Engine("sqlite:bookings.db") as engine:
        tenant = engine.create_tenant("Clinic")
        room = engine.create_resource(tenant.id, name="Room 1", zone="Europe/Berlin")
        # Tomorrow, on the hour: on the default 15-minute grid, and not in the past.
        now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
        start = now + timedelta(days=1)
        booked = engine.reserve(tenant.id, [boka.AllocationRequest.of_resource(room.id)],
                                start, start + timedelta(hours=1))

Recurring series ("every Tuesday at 09:00, ten times") are on ``engine.series``
(:class:`RecurringBookings`): a first date and local time plus an RRULE, booked as ordinary
reservations that name their series.

The waitlist is on ``engine.waitlist`` (:class:`Waitlist`): a request that does not fit
joins it, and freed capacity is offered to the first waiting entry that fits, as a hold in
its customer's name.

Services (appointment types a booking names instead of resources and a length) are on
``engine.services`` (:class:`Services`), customer records (their bookings, merging, export
and erasure) on ``engine.customers`` (:class:`Customers`). Booking rules (:class:`BookingRules`:
change cutoffs, per-customer limits) sit on the tenant (:meth:`Engine.update_tenant_rules`),
its resources and services; a refusal by one is a :class:`ConflictError` naming its ``rule``.

The audit trail, health, backups and metrics are on ``engine.operations``
(:class:`Operations`). Users, logins, sessions, TOTP MFA and API keys are on ``engine.auth``
(:class:`Auth`): a script logs in (or authenticates an API key) and passes the principal it
gets as ``who=``.
The audit trail (:meth:`Operations.audit_records`, :meth:`Operations.verify_audit`),
metrics, health reports, read-only mode and SQLite backups (:meth:`Operations.backup`,
:func:`verify_backup`, :func:`restore_backup`) come from the same library.

Instants are timezone-aware datetimes (naive ones are refused), durations timedeltas, both
whole seconds. Errors are exceptions rooted at :class:`Error`; a refused booking is a
:class:`ConflictError` carrying the blocking reservation ids and the next free start.
"""

from ._errors import (
    AlreadyExistsError,
    Code,
    ConflictError,
    Error,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    NotSupportedError,
    PermissionDeniedError,
    RateLimitedError,
    StorageError,
    UnauthenticatedError,
    UnavailableError,
)
from ._types import (
    Allocation,
    ApiKey,
    AuthOptions,
    CreatedApiKey,
    KeyRotation,
    MfaEnabled,
    MfaStats,
    MfaStatsByRole,
    Role,
    SecurityEvent,
    Session,
    SessionGrant,
    TotpEnrollment,
    User,
    UserState,
    AllocationRequest,
    BookingRules,
    Customer,
    Event,
    EventPage,
    CalendarFeed,
    CreatedFeed,
    ManageLink,
    FeedKind,
    CreatedWebhookEndpoint,
    DeliveryAttempt,
    DeliveryRound,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookOptions,
    MailKind,
    EmailStatus,
    SmtpSecurity,
    MailOptions,
    MailTemplate,
    MailSettings,
    Email,
    EmailContent,
    MailRound,
    PaymentOutcome,
    PaymentSettings,
    PaymentNotice,
    ReservationOrder,
    Service,
    AuditHead,
    AuditOutcome,
    AuditRecord,
    AuditVerification,
    BackupKind,
    BackupManifest,
    BackupResult,
    BackupVerification,
    DateOverride,
    Explanation,
    Finding,
    HealthCheck,
    Heartbeat,
    HealthOptions,
    HealthReport,
    HealthStatus,
    HolidayKind,
    HolidayRule,
    LocalInterval,
    Policy,
    Pool,
    Occurrence,
    Reason,
    RefusedOccurrence,
    Reservation,
    PaymentStatus,
    ReservationStatus,
    Resource,
    Schedule,
    Series,
    SeriesAvailability,
    SeriesBooking,
    SeriesChange,
    SeriesMode,
    SeriesScope,
    SkippedOccurrence,
    Slot,
    SlotPage,
    StorageInfo,
    TableStats,
    Tenant,
    WaitlistEntry,
    WaitlistPosition,
    WaitlistStatus,
    Weekday,
    WeeklyRule,
)

try:
    from ._native import (
        Auth,
        Customers,
        Engine,
        CalendarFeeds,
        Events,
        ManageLinks,
        Webhooks,
        Mail,
        Payments,
        ManualClock,
        Operations,
        Principal,
        RecurringBookings,
        Services,
        Waitlist,
        apply_retention,
        restore_backup,
        verify_backup,
        version,
    )
except ImportError as e:  # pragma: no cover - depends on the installation
    raise ImportError(
        "boka's native module (boka._native) could not be loaded: "
        f"{e}. Build it with CMake (-DBOKA_BUILD_PYTHON=ON) or install the package with "
        "`pip install ./bindings/python` (see docs/bindings.md)."
    ) from e

__version__: str = version()

__all__ = [
    "Allocation",
    "AllocationRequest",
    "AlreadyExistsError",
    "ApiKey",
    "AuditHead",
    "AuditOutcome",
    "AuditRecord",
    "AuditVerification",
    "Auth",
    "AuthOptions",
    "BackupKind",
    "BackupManifest",
    "BackupResult",
    "BackupVerification",
    "BookingRules",
    "Code",
    "ConflictError",
    "CreatedApiKey",
    "Customer",
    "Customers",
    "DateOverride",
    "CalendarFeed",
    "CalendarFeeds",
    "ManageLinks",
    "CreatedFeed",
    "ManageLink",
    "CreatedWebhookEndpoint",
    "DeliveryAttempt",
    "DeliveryRound",
    "DeliveryStatus",
    "Engine",
    "Error",
    "Event",
    "EventPage",
    "Events",
    "FeedKind",
    "Webhooks",
    "Mail",
    "Payments",
    "MailKind",
    "EmailStatus",
    "SmtpSecurity",
    "MailOptions",
    "MailTemplate",
    "MailSettings",
    "Email",
    "EmailContent",
    "MailRound",
    "PaymentOutcome",
    "PaymentSettings",
    "PaymentNotice",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookOptions",
    "Explanation",
    "Finding",
    "HealthCheck",
    "Heartbeat",
    "HealthOptions",
    "HealthReport",
    "HealthStatus",
    "HolidayKind",
    "HolidayRule",
    "InternalError",
    "InvalidArgumentError",
    "KeyRotation",
    "LocalInterval",
    "ManualClock",
    "MfaEnabled",
    "MfaStats",
    "MfaStatsByRole",
    "Operations",
    "NotFoundError",
    "NotSupportedError",
    "Occurrence",
    "PermissionDeniedError",
    "Policy",
    "Pool",
    "Principal",
    "RateLimitedError",
    "Reason",
    "RecurringBookings",
    "RefusedOccurrence",
    "Reservation",
    "ReservationOrder",
    "PaymentStatus",
    "ReservationStatus",
    "Resource",
    "Role",
    "Schedule",
    "SecurityEvent",
    "Series",
    "SeriesAvailability",
    "SeriesBooking",
    "SeriesChange",
    "SeriesMode",
    "SeriesScope",
    "Service",
    "Services",
    "Session",
    "SessionGrant",
    "Slot",
    "SkippedOccurrence",
    "SlotPage",
    "StorageError",
    "StorageInfo",
    "TableStats",
    "Tenant",
    "TotpEnrollment",
    "UnauthenticatedError",
    "UnavailableError",
    "User",
    "UserState",
    "Waitlist",
    "WaitlistEntry",
    "WaitlistPosition",
    "WaitlistStatus",
    "Weekday",
    "WeeklyRule",
    "apply_retention",
    "restore_backup",
    "verify_backup",
    "version",
]

# Public classes report themselves as boka.X (in tracebacks and reprs), not boka._types.X.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type):
        _obj.__module__ = __name__
del _name, _obj
