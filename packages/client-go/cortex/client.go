package cortex

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	_ "google.golang.org/grpc/health" // client-side health checking, enabled by serviceConfig
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/cortex-memory/cortex/packages/client-go/cortexv1"
)

// serviceConfig balances calls round-robin over every address the target resolves to (all
// replicas behind a DNS name) and sends none to a replica whose grpc.health.v1 status is not
// SERVING, e.g. one that is draining.
const serviceConfig = `{
  "loadBalancingConfig": [{"round_robin": {}}],
  "healthCheckConfig": {"serviceName": ""}
}`

// Client is a connection to a Cortex server (or to every replica behind a DNS name) with one
// method per RPC. It is safe for concurrent use; Close it when done.
type Client struct {
	conn    *grpc.ClientConn
	ledger  cortexv1.LedgerServiceClient
	apiKey  string
	timeout time.Duration
	retry   RetryPolicy
}

// Dial connects to target and checks that the server is SERVING, retrying as the retry policy
// allows and giving up when ctx ends (WithLazyConnect skips the check). The target is
// "host:port" or "dns:///host:port" (every address the name resolves to is used); empty means
// CORTEX_ADDR from the environment, else DefaultTarget.
func Dial(ctx context.Context, target string, opts ...Option) (*Client, error) {
	s := defaultSettings()
	for _, opt := range opts {
		if err := opt(s); err != nil {
			return nil, err
		}
	}
	target = cmp.Or(target, os.Getenv("CORTEX_ADDR"), DefaultTarget)
	dialOptions := append([]grpc.DialOption{
		grpc.WithTransportCredentials(s.creds),
		grpc.WithDefaultServiceConfig(serviceConfig),
	}, s.dialOptions...)
	conn, err := grpc.NewClient(target, dialOptions...)
	if err != nil {
		return nil, fmt.Errorf("cortex: %w", err)
	}
	c := &Client{
		conn:    conn,
		ledger:  cortexv1.NewLedgerServiceClient(conn),
		apiKey:  s.apiKey,
		timeout: s.timeout,
		retry:   s.retry,
	}
	if s.lazy {
		return c, nil
	}
	if err := c.checkServing(ctx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("cortex: connecting to %s: %w", target, err)
	}
	return c, nil
}

// Close closes the connection; calls in flight end with CANCELED.
func (c *Client) Close() error {
	return c.conn.Close()
}

// Conn is the underlying gRPC connection, for the generated cortexv1 clients or grpc-go APIs.
func (c *Client) Conn() *grpc.ClientConn {
	return c.conn
}

// CheckHealth is the grpc.health.v1 status of one service ("cortex.v1.MemoryService", ...) or,
// for "", of the whole server.
func (c *Client) CheckHealth(ctx context.Context, service string, opts ...CallOption) (healthpb.HealthCheckResponse_ServingStatus, error) {
	response, err := invoke[healthpb.HealthCheckResponse](ctx, c, healthpb.Health_Check_FullMethodName, &healthpb.HealthCheckRequest{Service: service}, opts)
	return response.GetStatus(), err
}

func (c *Client) checkServing(ctx context.Context) error {
	serving, err := c.CheckHealth(ctx, "")
	if err != nil {
		return err
	}
	if serving != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("the server is %s", serving)
	}
	return nil
}

// invoke makes one unary call: API key and correlation id attached, bounded by the call's
// timeout, retried as the RPC's idempotency and the retry policy allow.
func invoke[Resp any, PResp interface {
	*Resp
	proto.Message
}](ctx context.Context, c *Client, fullMethod string, request proto.Message, opts []CallOption) (PResp, error) {
	call := callSettingsOf(c.timeout, opts)
	ctx, cancel := bound(ctx, call.timeout)
	defer cancel()
	ctx = c.outgoing(ctx, call.correlationID)
	response := PResp(new(Resp))
	err := withRetry(ctx, c.retry, idempotencyOf(methodOf(fullMethod), request), func(ctx context.Context) error {
		var trailer metadata.MD
		err := c.conn.Invoke(ctx, fullMethod, request, response, grpc.Trailer(&trailer))
		return withTrailer(err, trailer, call.correlationID)
	})
	if err != nil {
		return nil, err
	}
	return response, nil
}

// callSettingsOf applies opts over the defaults, generating a correlation id when none is set.
func callSettingsOf(timeout time.Duration, opts []CallOption) callSettings {
	call := callSettings{timeout: timeout}
	for _, opt := range opts {
		opt(&call)
	}
	if call.correlationID == "" {
		call.correlationID = newCorrelationID()
	}
	return call
}

// bound applies timeout to ctx, unless ctx already ends sooner; 0 leaves ctx unbounded.
func bound(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, timeout)
}

// outgoing attaches the metadata every call carries: the API key and the correlation id.
func (c *Client) outgoing(ctx context.Context, correlationID string) context.Context {
	pairs := []string{correlationIDKey, correlationID}
	if c.apiKey != "" {
		pairs = append(pairs, "authorization", "Bearer "+c.apiKey)
	}
	return metadata.AppendToOutgoingContext(ctx, pairs...)
}

// methodOf finds an RPC's descriptor by its gRPC path, e.g. "/cortex.v1.LedgerService/Verify".
func methodOf(fullMethod string) protoreflect.MethodDescriptor {
	name := protoreflect.FullName(strings.ReplaceAll(strings.TrimPrefix(fullMethod, "/"), "/", "."))
	descriptor, err := protoregistry.GlobalFiles.FindDescriptorByName(name)
	if err != nil {
		panic(fmt.Sprintf("cortex: no descriptor for %s: %v", fullMethod, err))
	}
	return descriptor.(protoreflect.MethodDescriptor)
}

// newCorrelationID is 26 random base32 characters, within what the server accepts.
func newCorrelationID() string {
	return rand.Text()
}
