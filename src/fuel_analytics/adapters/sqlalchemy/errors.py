"""Driver and pool failures become the domain's StorageUnavailable, in one place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc

from fuel_analytics.domain.errors import StorageUnavailable

# MySQL error codes worth one more try of a whole (idempotent) transaction.
RETRYABLE_MYSQL_CODES = frozenset({1213, 1205})  # deadlock, lock wait timeout


@contextmanager
def storage_errors() -> Iterator[None]:
    try:
        yield
    except exc.TimeoutError as error:
        raise StorageUnavailable(
            "no database connection was free within the pool timeout"
        ) from error
    except (exc.OperationalError, exc.InterfaceError) as error:
        raise StorageUnavailable(f"database unavailable: {error.orig}") from error
    except (OSError, TimeoutError) as error:
        raise StorageUnavailable(f"database unavailable: {type(error).__name__}") from error


def is_retryable(error: BaseException) -> bool:
    """A deadlock or lock timeout (MySQL), a busy database (SQLite), or a lost race on a
    unique key: the whole transaction can simply run again."""
    if isinstance(error, exc.IntegrityError):
        return True
    if isinstance(error, exc.OperationalError):
        args = getattr(error.orig, "args", ())
        if args and args[0] in RETRYABLE_MYSQL_CODES:
            return True
        return "database is locked" in str(error.orig)
    return False
