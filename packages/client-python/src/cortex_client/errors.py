"""The one error every call raises: `CortexError`, with one subclass per gRPC status code, carrying
what the server put in `grpc-status-details-bin` (google.rpc.Status with an ErrorInfo and, for bad
input, a BadRequest) and in the trailers (`retry-after`, `x-correlation-id`, `x-ratelimit-*`)."""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import grpc
from google.protobuf.message import DecodeError
from google.rpc import error_details_pb2, status_pb2

_DETAILS_TRAILER = "grpc-status-details-bin"
_RETRY_AFTER_TRAILER = "retry-after"
_CORRELATION_TRAILER = "x-correlation-id"
_DELAY_SECONDS = re.compile(r"\d+(\.\d+)?")


@dataclass(frozen=True)
class FieldViolation:
    """One offending request field, from google.rpc.BadRequest."""

    #: Path of the field in the request, e.g. `memories[0].content`.
    field: str
    description: str
    #: UPPER_SNAKE reason of the violation; empty when the server sent none.
    reason: str = ""


class CortexError(Exception):
    """A failed Cortex call. Catch a subclass (`NotFound`, `Aborted`, ...) or inspect `code`."""

    #: The status code this class stands for (UNKNOWN on the base class).
    status_code: ClassVar[grpc.StatusCode] = grpc.StatusCode.UNKNOWN

    def __init__(
        self,
        message: str,
        *,
        code: grpc.StatusCode | None = None,
        reason: str = "",
        domain: str = "",
        metadata: Mapping[str, str] | None = None,
        field_violations: Iterable[FieldViolation] = (),
        retry_after: float | None = None,
        correlation_id: str | None = None,
        trailers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        #: The gRPC status code.
        self.code: grpc.StatusCode = code or self.status_code
        #: google.rpc.ErrorInfo.reason, e.g. `STATE_VERSION_CONFLICT`; empty when absent.
        self.reason = reason
        #: google.rpc.ErrorInfo.domain, e.g. `cortex.dev`.
        self.domain = domain
        #: google.rpc.ErrorInfo.metadata, e.g. `{"currentVersion": "2"}`.
        self.metadata: Mapping[str, str] = dict(metadata or {})
        #: google.rpc.BadRequest field violations (INVALID_ARGUMENT).
        self.field_violations: tuple[FieldViolation, ...] = tuple(field_violations)
        #: Seconds the server asked to wait before retrying (`retry-after`, else RetryInfo).
        self.retry_after = retry_after
        #: The call's correlation id, as the server echoed it or as it was sent.
        self.correlation_id = correlation_id
        #: The text trailers of the response, e.g. `x-ratelimit-remaining`.
        self.trailers: Mapping[str, str] = dict(trailers or {})

    @property
    def code_name(self) -> str:
        """The status code's name, e.g. `INVALID_ARGUMENT`."""
        return self.code.name

    def __str__(self) -> str:
        reason = f" [{self.reason}]" if self.reason else ""
        return f"{self.code.name}{reason}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, reason={self.reason!r})"


class Cancelled(CortexError):
    status_code = grpc.StatusCode.CANCELLED


class Unknown(CortexError):
    status_code = grpc.StatusCode.UNKNOWN


class InvalidArgument(CortexError):
    status_code = grpc.StatusCode.INVALID_ARGUMENT


class DeadlineExceeded(CortexError):
    status_code = grpc.StatusCode.DEADLINE_EXCEEDED


class NotFound(CortexError):
    status_code = grpc.StatusCode.NOT_FOUND


class AlreadyExists(CortexError):
    status_code = grpc.StatusCode.ALREADY_EXISTS


class PermissionDenied(CortexError):
    status_code = grpc.StatusCode.PERMISSION_DENIED


class ResourceExhausted(CortexError):
    status_code = grpc.StatusCode.RESOURCE_EXHAUSTED


class FailedPrecondition(CortexError):
    status_code = grpc.StatusCode.FAILED_PRECONDITION


class Aborted(CortexError):
    status_code = grpc.StatusCode.ABORTED


class OutOfRange(CortexError):
    status_code = grpc.StatusCode.OUT_OF_RANGE


class Unimplemented(CortexError):
    status_code = grpc.StatusCode.UNIMPLEMENTED


class Internal(CortexError):
    status_code = grpc.StatusCode.INTERNAL


class Unavailable(CortexError):
    status_code = grpc.StatusCode.UNAVAILABLE


class DataLoss(CortexError):
    status_code = grpc.StatusCode.DATA_LOSS


class Unauthenticated(CortexError):
    status_code = grpc.StatusCode.UNAUTHENTICATED


_BY_CODE: dict[grpc.StatusCode, type[CortexError]] = {
    cls.status_code: cls for cls in CortexError.__subclasses__()
}


def error_class(code: grpc.StatusCode) -> type[CortexError]:
    return _BY_CODE.get(code, Unknown)


def from_rpc_error(error: grpc.RpcError, correlation_id: str | None = None) -> CortexError:
    """Decodes a failed call (sync `grpc.RpcError` or `grpc.aio.AioRpcError`)."""
    code: grpc.StatusCode = error.code()
    details: str = error.details() or ""
    raw_trailers = error.trailing_metadata() or ()
    return from_status(code, details, list(raw_trailers), correlation_id)


def from_status(
    code: grpc.StatusCode,
    details: str,
    trailers: Iterable[tuple[str, Any]],
    correlation_id: str | None = None,
) -> CortexError:
    text: dict[str, str] = {}
    status: status_pb2.Status | None = None
    for key, value in trailers:
        if key == _DETAILS_TRAILER and isinstance(value, bytes):
            status = _decode(status_pb2.Status, value)
        elif isinstance(value, str):
            text[key] = value
    info, violations, retry_info = _unpack_details(status)
    retry_after = parse_retry_after(text[_RETRY_AFTER_TRAILER]) if _RETRY_AFTER_TRAILER in text else None
    return error_class(code)(
        details or (status.message if status else "") or code.name,
        code=code,
        reason=info.reason if info else "",
        domain=info.domain if info else "",
        metadata=dict(info.metadata) if info else {},
        field_violations=violations,
        retry_after=retry_after if retry_after is not None else retry_info,
        correlation_id=text.get(_CORRELATION_TRAILER, correlation_id),
        trailers=text,
    )


def _unpack_details(
    status: status_pb2.Status | None,
) -> tuple[error_details_pb2.ErrorInfo | None, list[FieldViolation], float | None]:
    info = None
    violations: list[FieldViolation] = []
    retry_info = None
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = _unpack(detail, error_details_pb2.ErrorInfo)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = _unpack(detail, error_details_pb2.BadRequest)
            for v in bad_request.field_violations if bad_request else ():
                violations.append(FieldViolation(v.field, v.description, v.reason))
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            delay = _unpack(detail, error_details_pb2.RetryInfo)
            if delay is not None:
                retry_info = max(0.0, delay.retry_delay.ToTimedelta().total_seconds())
    return info, violations, retry_info


def _decode(message_class: Any, data: bytes) -> Any:
    try:
        return message_class.FromString(data)
    except DecodeError:
        return None  # A status we cannot read: the code and message still stand.


def _unpack(detail: Any, message_class: Any) -> Any:
    message = message_class()
    try:
        return message if detail.Unpack(message) else None
    except DecodeError:
        return None


def parse_retry_after(value: str, now: float | None = None) -> float | None:
    """`retry-after` as in HTTP: delay-seconds (fractions allowed) or an HTTP date; seconds."""
    text = value.strip()
    if _DELAY_SECONDS.fullmatch(text):
        return float(text)
    try:
        at = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, at.timestamp() - (time.time() if now is None else now))
