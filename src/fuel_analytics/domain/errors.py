"""Domain errors. The HTTP layer maps each class to a status code in one table."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain and services raise on purpose."""

    title = "Domain error"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class NotFound(DomainError):
    title = "Not found"


class TruckNotFound(NotFound):
    title = "Truck not found"

    def __init__(self, truck_id: str) -> None:
        super().__init__(f"no truck {truck_id!r} is known", field="truck_id")
        self.truck_id = truck_id


class NoReadingsYet(NotFound):
    title = "No readings yet"

    def __init__(self, truck_id: str) -> None:
        super().__init__(f"truck {truck_id!r} is registered but has sent no reading yet")
        self.truck_id = truck_id


class InvalidField(DomainError):
    """One value breaks the telemetry contract or a request rule."""

    title = "Invalid value"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", field=field)
        self.reason = reason


class UnknownTruckRejected(DomainError):
    """Ingestion of a truck that is not registered while auto-registration is off."""

    title = "Unknown truck"

    def __init__(self, truck_id: str) -> None:
        super().__init__(
            f"truck {truck_id!r} is not registered and auto-registration is off",
            field="truck_id",
        )


class BatchTooLarge(DomainError):
    title = "Batch too large"


class StorageUnavailable(DomainError):
    """The database could not be reached (or no connection was free) in time."""

    title = "Storage unavailable"


class SchemaOutOfDate(DomainError):
    title = "Database schema out of date"


class NotPermitted(DomainError):
    """The caller's key may not do this (another carrier, a missing scope)."""

    title = "Forbidden"
