"""The exception tree: one class per boka error code, rooted at :class:`Error`.

Each class also derives from the builtin that matches it, so ordinary ``except`` clauses
work: an unknown id is a :class:`LookupError`, a malformed request a :class:`ValueError`.
The native module raises them through :func:`_from_status`, the one translator.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Optional, Sequence

if TYPE_CHECKING:  # _types imports Code from here; for annotations only
    from ._types import RefusedOccurrence


class Code(enum.IntEnum):
    """boka's error codes; the values equal the C ABI's and C++'s ``boka::Code``."""

    OK = 0
    INVALID_ARGUMENT = 1
    NOT_FOUND = 2
    ALREADY_EXISTS = 3
    CONFLICT = 4
    UNAUTHENTICATED = 5
    PERMISSION_DENIED = 6
    RATE_LIMITED = 7
    UNAVAILABLE = 8
    STORAGE = 9
    INTERNAL = 10
    NOT_SUPPORTED = 11


class Error(Exception):
    """Base of every error boka raises. ``code`` says which; ``message`` names the field."""

    code: Code = Code.INTERNAL

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidArgumentError(Error, ValueError):
    """The request is malformed (a bad field, a naive datetime); retrying cannot succeed."""

    code = Code.INVALID_ARGUMENT


class NotFoundError(Error, LookupError):
    """The named object does not exist in the tenant (other tenants' ids read as missing)."""

    code = Code.NOT_FOUND


class AlreadyExistsError(Error):
    """A unique name or an idempotency key (used with a different request) is taken."""

    code = Code.ALREADY_EXISTS


class ConflictError(Error):
    """Well-formed, but collides with the current state.

    For a refused booking (capacity, opening hours, notice, horizon, daily limit),
    ``blocking_reservation_ids`` names the reservations in the way and ``next_free_start``
    the earliest start at or after the requested one that would fit (or None). A refused
    series (:meth:`boka.RecurringBookings.book`, ``reschedule``) also names in
    ``occurrences`` every occurrence that does not fit, each a
    :class:`boka.RefusedOccurrence` with its own reason and blocking reservations; then
    ``blocking_reservation_ids`` is their union and ``next_free_start`` is None. For other
    conflicts (a stale version, an expired hold, an archived resource) all are empty.

    A refusal by a booking rule rather than capacity names it in ``rule``
    ("cancel_cutoff", "reschedule_cutoff", "max_active_per_customer",
    "max_per_customer_per_day"; "" otherwise), and a cutoff the ``deadline`` that passed
    (None otherwise). Staff may pass over the rules with ``override_rules=True``.
    """

    code = Code.CONFLICT

    def __init__(
        self,
        message: str,
        blocking_reservation_ids: Sequence[int] = (),
        next_free_start: Optional[datetime] = None,
        occurrences: Sequence[RefusedOccurrence] = (),
        rule: str = "",
        deadline: Optional[datetime] = None,
    ) -> None:
        super().__init__(message)
        self.blocking_reservation_ids: tuple[int, ...] = tuple(blocking_reservation_ids)
        self.next_free_start: Optional[datetime] = next_free_start
        self.occurrences: tuple[RefusedOccurrence, ...] = tuple(occurrences)
        self.rule: str = rule
        self.deadline: Optional[datetime] = deadline


class UnauthenticatedError(Error, PermissionError):
    """No valid credentials."""

    code = Code.UNAUTHENTICATED


class PermissionDeniedError(Error, PermissionError):
    """The credentials are valid, but the principal may not do this."""

    code = Code.PERMISSION_DENIED


class RateLimitedError(Error):
    """Too many attempts; retry later."""

    code = Code.RATE_LIMITED


class UnavailableError(Error, OSError):
    """Transient: the store is busy, read-only or unreachable. Retrying may succeed."""

    code = Code.UNAVAILABLE


class StorageError(Error, OSError):
    """The store failed in a way retrying will not fix (corruption, I/O)."""

    code = Code.STORAGE


class InternalError(Error, RuntimeError):
    """A bug in boka."""

    code = Code.INTERNAL


class NotSupportedError(Error, NotImplementedError):
    """The operation or option is not available in this build or store."""

    code = Code.NOT_SUPPORTED


_BY_CODE: dict[int, type[Error]] = {
    cls.code: cls
    for cls in (
        InvalidArgumentError,
        NotFoundError,
        AlreadyExistsError,
        ConflictError,
        UnauthenticatedError,
        PermissionDeniedError,
        RateLimitedError,
        UnavailableError,
        StorageError,
        InternalError,
        NotSupportedError,
    )
}


def _from_status(
    code: int,
    message: str,
    blocking_reservation_ids: Sequence[int] = (),
    next_free_start: Optional[datetime] = None,
    occurrences: Sequence[RefusedOccurrence] = (),
    rule: str = "",
    deadline: Optional[datetime] = None,
) -> Error:
    """The exception for a failed call (codes this package does not know: InternalError)."""
    cls = _BY_CODE.get(code, InternalError)
    if cls is ConflictError:
        return ConflictError(message, blocking_reservation_ids, next_free_start, occurrences, rule,
                             deadline)
    error = cls(message)
    if code not in _BY_CODE:
        error.message = f"error code {code}: {message}"
        error.args = (error.message,)
    return error
