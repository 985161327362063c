"""Domain errors that views turn into clear messages (HTTP 4xx in the API)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class DomainError(Exception):
    """A request the domain refuses; ``code`` is stable for API clients."""

    code = "domain_error"
    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTransition(DomainError):
    code = "invalid_transition"
    http_status = 409

    def __init__(self, current: str, target: str, allowed: Iterable[str]) -> None:
        self.current = current
        self.target = target
        self.allowed = sorted(allowed)
        allowed_text = ", ".join(self.allowed) or "none"
        super().__init__(
            f"cannot move a complaint from {current} to {target}; allowed: {allowed_text}"
        )


class ValidationFailed(DomainError):
    """Input failed validation; ``fields`` maps a field name to its message."""

    code = "validation_failed"
    http_status = 422

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = dict(fields)
        super().__init__("; ".join(f"{name}: {text}" for name, text in self.fields.items()))


class ConcurrentChange(DomainError):
    """Someone else changed the complaint between reading and writing it."""

    code = "changed_meanwhile"
    http_status = 409
