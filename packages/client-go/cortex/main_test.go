package cortex_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cortex-memory/cortex/packages/client-go/cortex"
	"github.com/cortex-memory/cortex/packages/client-go/internal/testserver"
)

// server is the real Cortex server the tests of this package share; each test uses its own
// namespace. It requires apiKey.
var server *testserver.Server

const apiKey = "go-sdk-test-key-0123456789"

// signingSecret is the server's CORTEX_SIGNING_KEY: the ledger tests derive its public key.
const signingSecret = "go-sdk-test-signing-secret-0123456789"

// serverEnv turns authentication on and signs a ledger head every 4 entries; replicas of the
// shared server use it too.
var serverEnv = map[string]string{
	"CORTEX_API_KEYS":                  "go-tests:" + apiKey,
	"CORTEX_SIGNING_KEY":               signingSecret,
	"CORTEX_SIGNING_KEY_ID":            "go1",
	"CORTEX_LEDGER_CHECKPOINT_ENTRIES": "4",
}

func TestMain(m *testing.M) {
	var err error
	server, err = testserver.Start(testserver.Options{Env: serverEnv})
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the test server:", err)
		os.Exit(1)
	}
	code := m.Run()
	if err := server.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the test server:", err)
	}
	os.Exit(code)
}

// dial connects to the shared server with its API key, closing the client when the test ends.
func dial(t *testing.T, opts ...cortex.Option) *cortex.Client {
	t.Helper()
	return dialTarget(t, server.Addr(), append([]cortex.Option{cortex.WithAPIKey(apiKey)}, opts...)...)
}

// dialTarget connects to target with opts, closing the client when the test ends.
func dialTarget(t *testing.T, target string, opts ...cortex.Option) *cortex.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := cortex.Dial(ctx, target, append([]cortex.Option{cortex.WithTimeout(30 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatalf("Dial(%s): %v", target, err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client
}

var namespaces atomic.Int64

// namespace is one no other test writes to.
func namespace() string {
	return fmt.Sprintf("go-%d-%d", time.Now().UnixNano()%1_000_000, namespaces.Add(1))
}

// must fails the test on err and returns value.
func must[T any](t *testing.T, value T, err error) T {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return value
}

// outcome holds a call's two results, so one line can call and check: result(c.X(...)).must(t).
type outcome[T any] struct {
	value T
	err   error
}

func result[T any](value T, err error) outcome[T] { return outcome[T]{value, err} }

func (o outcome[T]) must(t *testing.T) T {
	t.Helper()
	return must(t, o.value, o.err)
}
