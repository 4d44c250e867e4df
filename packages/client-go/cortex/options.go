package cortex

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// DefaultTarget is dialled when Dial gets an empty target and CORTEX_ADDR is unset.
const DefaultTarget = "localhost:4949"

// An Option configures a Client in Dial.
type Option func(*settings) error

type settings struct {
	apiKey      string
	creds       credentials.TransportCredentials
	timeout     time.Duration
	retry       RetryPolicy
	lazy        bool
	dialOptions []grpc.DialOption
}

func defaultSettings() *settings {
	return &settings{
		apiKey: os.Getenv("CORTEX_API_KEY"),
		creds:  insecure.NewCredentials(),
		retry:  DefaultRetryPolicy,
	}
}

// WithAPIKey sends key as "authorization: Bearer <key>" on every call. Without this option the
// client sends CORTEX_API_KEY from the environment, when set.
func WithAPIKey(key string) Option {
	return func(s *settings) error {
		if key == "" {
			return errors.New("cortex: WithAPIKey needs a key; leave the option out to send none")
		}
		s.apiKey = key
		return nil
	}
}

// WithTLS connects over TLS with config (server CA, client certificates for mutual TLS, ...).
// A nil config uses the system's root CAs. The default is plaintext.
func WithTLS(config *tls.Config) Option {
	return func(s *settings) error {
		if config == nil {
			config = &tls.Config{}
		}
		s.creds = credentials.NewTLS(config)
		return nil
	}
}

// WithTLSCAFile connects over TLS, trusting the PEM certificates in caFile.
func WithTLSCAFile(caFile string) Option {
	return func(s *settings) error {
		creds, err := credentials.NewClientTLSFromFile(caFile, "")
		if err != nil {
			return fmt.Errorf("cortex: reading CA file: %w", err)
		}
		s.creds = creds
		return nil
	}
}

// WithTimeout bounds every unary call, retries included, that its context does not bound
// sooner. Subscribe is not bounded: it follows the ledger for as long as its context lives.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return fmt.Errorf("cortex: WithTimeout needs a positive duration, got %v", d)
		}
		s.timeout = d
		return nil
	}
}

// WithRetry replaces DefaultRetryPolicy. MaxAttempts 1 turns retries off.
func WithRetry(policy RetryPolicy) Option {
	return func(s *settings) error {
		if err := policy.validate(); err != nil {
			return err
		}
		s.retry = policy
		return nil
	}
}

// WithLazyConnect makes Dial return without contacting the server; the first call connects.
// Use it when the client may start before the server.
func WithLazyConnect() Option {
	return func(s *settings) error {
		s.lazy = true
		return nil
	}
}

// WithDialOptions passes extra grpc-go dial options, e.g. interceptors or keepalive
// parameters. They apply after the client's own.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(s *settings) error {
		s.dialOptions = append(s.dialOptions, opts...)
		return nil
	}
}

// A CallOption adjusts one call.
type CallOption func(*callSettings)

type callSettings struct {
	timeout       time.Duration
	correlationID string
}

// Timeout bounds this call, retries included, overriding WithTimeout.
func Timeout(d time.Duration) CallOption {
	return func(c *callSettings) { c.timeout = d }
}

// CorrelationID sends id as x-correlation-id (kept across retries) instead of a generated one.
// The server logs it and stamps it on the ledger entries the call appends.
func CorrelationID(id string) CallOption {
	return func(c *callSettings) { c.correlationID = id }
}
