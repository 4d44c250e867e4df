package cortex

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

const (
	retryAfterKey    = "retry-after"
	correlationIDKey = "x-correlation-id"
)

// callError is a failed call's status plus the response trailers the status does not carry
// (retry-after, x-ratelimit-*). It is a gRPC status error: status.FromError and status.Code
// see the server's status, details included.
type callError struct {
	status        *status.Status
	trailer       metadata.MD
	correlationID string
}

func (e *callError) Error() string              { return e.status.Err().Error() }
func (e *callError) GRPCStatus() *status.Status { return e.status }

// withTrailer keeps the trailers of a failed call with its status; other errors pass through.
func withTrailer(err error, trailer metadata.MD, correlationID string) error {
	st, ok := status.FromError(err)
	if err == nil || !ok {
		return err
	}
	return &callError{status: st, trailer: trailer, correlationID: correlationID}
}

// ReasonOf is the google.rpc.ErrorInfo reason of a failed call, e.g. "STATE_VERSION_CONFLICT";
// empty when the error carries none.
func ReasonOf(err error) string {
	return errorInfo(err).GetReason()
}

// ErrorMetadata is the google.rpc.ErrorInfo metadata of a failed call, e.g.
// {"currentVersion": "2"}; nil when the error carries none.
func ErrorMetadata(err error) map[string]string {
	return errorInfo(err).GetMetadata()
}

// FieldViolations are the google.rpc.BadRequest violations of an INVALID_ARGUMENT error, each
// naming a request field by its path (e.g. "memories[0].content"); nil when there are none.
func FieldViolations(err error) []*errdetails.BadRequest_FieldViolation {
	var violations []*errdetails.BadRequest_FieldViolation
	for _, detail := range details(err) {
		if bad, ok := detail.(*errdetails.BadRequest); ok {
			violations = append(violations, bad.GetFieldViolations()...)
		}
	}
	return violations
}

// RetryAfter is how long the server asked the caller to wait before trying again: the
// retry-after trailer (seconds or an HTTP date), else a google.rpc.RetryInfo detail.
func RetryAfter(err error) (time.Duration, bool) {
	if values := Trailer(err).Get(retryAfterKey); len(values) > 0 {
		if d, ok := parseRetryAfter(values[0], time.Now()); ok {
			return d, true
		}
	}
	for _, detail := range details(err) {
		if info, ok := detail.(*errdetails.RetryInfo); ok && info.GetRetryDelay() != nil {
			return max(0, info.GetRetryDelay().AsDuration()), true
		}
	}
	return 0, false
}

// Trailer holds the response trailers of a call the Client made that failed, e.g.
// x-ratelimit-remaining; nil for other errors.
func Trailer(err error) metadata.MD {
	var call *callError
	if errors.As(err, &call) {
		return call.trailer
	}
	return nil
}

// CorrelationIDOf is the x-correlation-id of a failed call: as the server echoed it, else as
// the client sent it. Quote it when reporting a problem; the server's logs carry it.
func CorrelationIDOf(err error) string {
	var call *callError
	if !errors.As(err, &call) {
		return ""
	}
	if echoed := call.trailer.Get(correlationIDKey); len(echoed) > 0 {
		return echoed[0]
	}
	return call.correlationID
}

// IsNotFound reports a NOT_FOUND error, e.g. GetMemory of an id that does not exist.
func IsNotFound(err error) bool { return status.Code(err) == codes.NotFound }

// IsInvalidArgument reports bad input; FieldViolations names the fields.
func IsInvalidArgument(err error) bool { return status.Code(err) == codes.InvalidArgument }

// IsAborted reports a conflict, e.g. PutState with a stale expected_version.
func IsAborted(err error) bool { return status.Code(err) == codes.Aborted }

// IsUnauthenticated reports a missing or unknown API key.
func IsUnauthenticated(err error) bool { return status.Code(err) == codes.Unauthenticated }

// IsPermissionDenied reports an API key that may not do this.
func IsPermissionDenied(err error) bool { return status.Code(err) == codes.PermissionDenied }

// IsResourceExhausted reports a rate limit or quota; RetryAfter says how long to wait.
func IsResourceExhausted(err error) bool { return status.Code(err) == codes.ResourceExhausted }

// IsUnavailable reports a server that could not be reached or is shutting down.
func IsUnavailable(err error) bool { return status.Code(err) == codes.Unavailable }

func errorInfo(err error) *errdetails.ErrorInfo {
	for _, detail := range details(err) {
		if info, ok := detail.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	return nil
}

func details(err error) []any {
	if st, ok := status.FromError(err); ok && err != nil {
		return st.Details()
	}
	return nil
}

// parseRetryAfter reads retry-after as HTTP does: delay-seconds (fractions allowed) or a date.
func parseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if seconds, err := strconv.ParseFloat(value, 64); err == nil && seconds >= 0 && seconds < 1e9 {
		return time.Duration(seconds * float64(time.Second)), true
	}
	if at, err := http.ParseTime(value); err == nil {
		return max(0, at.Sub(now)), true
	}
	return 0, false
}
