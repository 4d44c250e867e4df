package cortex_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"

	"github.com/cortex-memory/cortex/packages/client-go/cortex"
	"github.com/cortex-memory/cortex/packages/client-go/cortexv1"
	"github.com/cortex-memory/cortex/packages/client-go/internal/testserver"
)

// startDNS serves one name over UDP on a free local port, the way a Kubernetes headless service
// or a compose service name resolves to every replica; any other query gets no records.
func startDNS(t *testing.T, name string, ips ...string) string {
	t.Helper()
	conn := result(net.ListenPacket("udp", "127.0.0.1:0")).must(t)
	t.Cleanup(func() { _ = conn.Close() })
	go func() {
		buffer := make([]byte, 1500)
		for {
			n, from, err := conn.ReadFrom(buffer)
			if err != nil {
				return
			}
			if answer, err := answerDNS(buffer[:n], name, ips); err == nil {
				_, _ = conn.WriteTo(answer, from)
			}
		}
	}()
	return conn.LocalAddr().String()
}

func answerDNS(query []byte, name string, ips []string) ([]byte, error) {
	var parser dnsmessage.Parser
	header, err := parser.Start(query)
	if err != nil {
		return nil, err
	}
	question, err := parser.Question()
	if err != nil {
		return nil, err
	}
	builder := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: header.ID, Response: true, Authoritative: true, RecursionDesired: header.RecursionDesired})
	_ = builder.StartQuestions()
	_ = builder.Question(question)
	_ = builder.StartAnswers()
	if question.Type == dnsmessage.TypeA && strings.EqualFold(question.Name.String(), name+".") {
		for _, ip := range ips {
			record := dnsmessage.AResource{A: [4]byte(net.ParseIP(ip).To4())}
			if err := builder.AResource(dnsmessage.ResourceHeader{Name: question.Name, Class: dnsmessage.ClassINET, TTL: 1}, record); err != nil {
				return nil, err
			}
		}
	}
	return builder.Finish()
}

// peers records which backend address served each call.
type peers struct {
	mu   sync.Mutex
	seen map[string]int
}

func (p *peers) option() cortex.Option {
	return cortex.WithDialOptions(grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		var served peer.Peer
		err := invoker(ctx, method, req, reply, cc, append(opts, grpc.Peer(&served))...)
		if served.Addr != nil && strings.HasSuffix(method, "/CountTokens") {
			p.mu.Lock()
			p.seen[strings.Split(served.Addr.String(), ":")[0]]++
			p.mu.Unlock()
		}
		return err
	}))
}

func (p *peers) count(host string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[host]
}

func countTokens(client *cortex.Client) error {
	_, err := client.CountTokens(context.Background(), &cortexv1.CountTokensRequest{Model: "gpt-4o", Texts: []string{"hello"}})
	return err
}

// callUntil calls until done says so, for at most 200 calls.
func callUntil(t *testing.T, client *cortex.Client, done func(err error) bool) {
	t.Helper()
	for range 200 {
		if done(countTokens(client)) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("gave up after 200 calls")
}

func TestADNSTargetOfOneAddressWorks(t *testing.T) {
	client := dialTarget(t, "dns:///"+server.Addr(), cortex.WithAPIKey(apiKey))
	if err := countTokens(client); err != nil {
		t.Fatal(err)
	}
}

func TestADNSTargetSpreadsCallsRoundRobinOverEveryReplica(t *testing.T) {
	replica, err := testserver.Start(testserver.Options{Host: "127.0.0.2", Port: server.Port, Env: serverEnv})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = replica.Stop() })
	resolver := startDNS(t, "cortex.test", "127.0.0.1", "127.0.0.2")
	served := &peers{seen: map[string]int{}}
	client := dialTarget(t, fmt.Sprintf("dns://%s/cortex.test:%d", resolver, server.Port), cortex.WithAPIKey(apiKey), served.option())

	callUntil(t, client, func(err error) bool {
		if err != nil {
			t.Fatal(err)
		}
		return served.count("127.0.0.1") >= 3 && served.count("127.0.0.2") >= 3
	})
}

func TestHealthCheckingKeepsCallsAwayFromAReplicaThatIsNotServing(t *testing.T) {
	// A replica that answers but reports NOT_SERVING, as a draining server does.
	listener := result(net.Listen("tcp", fmt.Sprintf("127.0.0.3:%d", server.Port))).must(t)
	draining := grpc.NewServer()
	status := health.NewServer()
	status.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	healthpb.RegisterHealthServer(draining, status)
	go func() { _ = draining.Serve(listener) }()
	t.Cleanup(draining.Stop)
	resolver := startDNS(t, "cortex.test", "127.0.0.1", "127.0.0.3")
	served := &peers{seen: map[string]int{}}
	client := dialTarget(t, fmt.Sprintf("dns://%s/cortex.test:%d", resolver, server.Port), cortex.WithAPIKey(apiKey), served.option())

	for range 20 {
		if err := countTokens(client); err != nil {
			t.Fatalf("a call reached the replica that is not serving: %v", err)
		}
	}
	if served.count("127.0.0.3") != 0 || served.count("127.0.0.1") != 20 {
		t.Fatalf("calls served %v, want all 20 by 127.0.0.1", served.seen)
	}
	// Once it reports SERVING it gets calls, which it cannot answer: the check was what kept them away.
	status.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	callUntil(t, client, func(error) bool { return served.count("127.0.0.3") > 0 })
}
