// Package conformance runs every conformance/scenarios/*.json of the checkout through the Go
// SDK's public API against one real server, as CONFORMANCE.md (conformance/README.md)
// describes. Nothing here knows a particular RPC: the *cortex.Client method is found by the
// RPC's name (Rpc, or RpcAll for `iterate`), the request is built with protojson.
package conformance_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/cortex-memory/cortex/packages/client-go/cortex"
	_ "github.com/cortex-memory/cortex/packages/client-go/cortexv1" // registers the cortex.v1 types
	"github.com/cortex-memory/cortex/packages/client-go/internal/testserver"
)

// serverEnv is conformance/server-env.json: the server's settings and the API keys by name.
type serverEnv struct {
	Env  map[string]string `json:"env"`
	Keys map[string]string `json:"keys"`
}

type scenario struct {
	Name  string            `json:"name"`
	Steps []json.RawMessage `json:"steps"`
}

// step is one call, decoded after ${...} substitution.
type step struct {
	Call    string            `json:"call"`
	As      string            `json:"as"`
	Request json.RawMessage   `json:"request"`
	Iterate bool              `json:"iterate"`
	Take    int               `json:"take"`
	Expect  expectation       `json:"expect"`
	Save    map[string]string `json:"save"`
}

type expectation struct {
	Code            string    `json:"code"`
	Reason          *string   `json:"reason"`
	FieldViolations *[]string `json:"fieldViolations"`
	Response        any       `json:"response"`
	Items           any       `json:"items"`
	Messages        any       `json:"messages"`
}

const takeTimeout = 10 * time.Second

func TestConformance(t *testing.T) {
	root := must(testserver.RepoRoot())
	env := readJSON[serverEnv](t, filepath.Join(root, "conformance", "server-env.json"))
	files := must(filepath.Glob(filepath.Join(root, "conformance", "scenarios", "*.json")))
	if len(files) == 0 {
		t.Fatal("no scenarios in conformance/scenarios")
	}
	server, err := testserver.Start(testserver.Options{Env: env.Env})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Stop() })
	clients := &clients{target: server.Addr(), keys: env.Keys}
	t.Cleanup(clients.close)

	run := runID()
	for i, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			s := readJSON[scenario](t, file)
			vars := map[string]any{"ns": fmt.Sprintf("conf-%s-%d", run, i)}
			for n, raw := range s.Steps {
				if err := runStep(t, clients, raw, vars); err != nil {
					t.Fatalf("%s\nstep %d: %v", s.Name, n+1, err)
				}
			}
		})
	}
}

func runStep(t *testing.T, clients *clients, raw json.RawMessage, vars map[string]any) error {
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return err
	}
	substituted, err := substitute(tree, vars)
	if err != nil {
		return err
	}
	var s step
	if err := remarshal(substituted, &s); err != nil {
		return err
	}
	client, err := clients.get(s.As)
	if err != nil {
		return err
	}
	got, callErr, err := invoke(client, s)
	if err != nil {
		return fmt.Errorf("%s: %w", s.Call, err)
	}
	if err := checkOutcome(s.Expect, got, callErr); err != nil {
		return fmt.Errorf("%s: %w", s.Call, err)
	}
	for name, path := range s.Save {
		value, ok := lookup(got, path)
		if !ok {
			return fmt.Errorf("%s: save %s: no %q in %s", s.Call, name, path, compact(got))
		}
		vars[name] = value
	}
	return nil
}

// invoke calls the SDK method for s.Call and returns what it gave as proto3 JSON: the
// response, {"items": [...]} for iterate, {"messages": [...]} for take; callErr is the call's
// failure, err a problem of the scenario or the runner.
func invoke(client *cortex.Client, s step) (got map[string]any, callErr error, err error) {
	rpc, err := findRPC(s.Call)
	if err != nil {
		return nil, nil, err
	}
	request, err := newMessage(rpc.Input())
	if err != nil {
		return nil, nil, err
	}
	if len(s.Request) > 0 {
		if err := protojson.Unmarshal(s.Request, request); err != nil {
			return nil, nil, fmt.Errorf("request: %w", err)
		}
	}
	name := string(rpc.Name())
	if s.Iterate {
		name += "All"
	}
	method := reflect.ValueOf(client).MethodByName(name)
	if !method.IsValid() {
		return nil, nil, fmt.Errorf("*cortex.Client has no method %s", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), takeTimeout)
	defer cancel()
	results := method.Call([]reflect.Value{reflect.ValueOf(ctx), reflect.ValueOf(request)})
	switch {
	case s.Iterate:
		items, callErr := drain(results[0], -1, nil)
		return map[string]any{"items": items}, callErr, nil
	case rpc.IsStreamingServer():
		if s.Take <= 0 {
			return nil, nil, fmt.Errorf("a streaming call needs take: N")
		}
		messages, callErr := drain(results[0], s.Take, rpc.Output())
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("gave up after %v with %d of %d messages", takeTimeout, len(messages), s.Take)
		}
		return map[string]any{"messages": messages}, callErr, nil
	}
	if callErr, _ := results[1].Interface().(error); callErr != nil {
		return nil, callErr, nil
	}
	response, err := toJSON(results[0].Interface().(proto.Message))
	return response.(map[string]any), nil, err
}

// drain reads an iter.Seq2[*T, error] until it ends, fails, or gave limit items (-1: no
// limit). With wrapper set, each item is set into a new wrapper message (e.g. a Commit into
// SubscribeResponse) before it is converted.
func drain(seq reflect.Value, limit int, wrapper protoreflect.MessageDescriptor) ([]any, error) {
	var items []any
	for item, failure := range seq.Seq2() {
		if err, _ := failure.Interface().(error); err != nil {
			return items, err
		}
		message := item.Interface().(proto.Message)
		if wrapper != nil {
			wrapped, err := wrap(wrapper, message)
			if err != nil {
				return items, err
			}
			message = wrapped
		}
		converted, err := toJSON(message)
		if err != nil {
			return items, err
		}
		if items = append(items, converted); len(items) == limit {
			break
		}
	}
	return items, nil
}

// wrap sets message into the field of a new wrapper that has message's type.
func wrap(wrapper protoreflect.MessageDescriptor, message proto.Message) (proto.Message, error) {
	outer, err := newMessage(wrapper)
	if err != nil {
		return nil, err
	}
	fields := wrapper.Fields()
	for i := range fields.Len() {
		if field := fields.Get(i); field.Message() != nil && field.Message().FullName() == message.ProtoReflect().Descriptor().FullName() {
			outer.ProtoReflect().Set(field, protoreflect.ValueOfMessage(message.ProtoReflect()))
			return outer, nil
		}
	}
	return nil, fmt.Errorf("%s has no field of type %s", wrapper.FullName(), message.ProtoReflect().Descriptor().FullName())
}

func checkOutcome(want expectation, got map[string]any, callErr error) error {
	wantCode := want.Code
	if wantCode == "" {
		wantCode = "OK"
	}
	if gotCode := code.Code(status.Code(callErr)).String(); gotCode != wantCode {
		return fmt.Errorf("code %s (%v), want %s", gotCode, callErr, wantCode)
	}
	if want.Reason != nil && cortex.ReasonOf(callErr) != *want.Reason {
		return fmt.Errorf("reason %q, want %q", cortex.ReasonOf(callErr), *want.Reason)
	}
	if want.FieldViolations != nil {
		if fields := violatedFields(callErr); !sameSet(fields, *want.FieldViolations) {
			return fmt.Errorf("field violations %v, want %v", fields, *want.FieldViolations)
		}
	}
	for key, expected := range map[string]any{"response": want.Response, "items": want.Items, "messages": want.Messages} {
		if expected == nil {
			continue
		}
		actual := any(got)
		if key != "response" {
			actual = got[key]
		}
		if err := match(key, expected, actual); err != nil {
			return fmt.Errorf("%w\ngot %s", err, compact(actual))
		}
	}
	return nil
}

func violatedFields(err error) []string {
	var fields []string
	for _, violation := range cortex.FieldViolations(err) {
		fields = append(fields, violation.GetField())
	}
	return fields
}

func sameSet(a, b []string) bool {
	set := func(list []string) []string { return slices.Compact(slices.Sorted(slices.Values(list))) }
	return slices.Equal(set(a), set(b))
}

func findRPC(call string) (protoreflect.MethodDescriptor, error) {
	descriptor, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName("cortex.v1." + call))
	if err != nil {
		return nil, fmt.Errorf("no RPC %q in cortex.v1", call)
	}
	rpc, ok := descriptor.(protoreflect.MethodDescriptor)
	if !ok {
		return nil, fmt.Errorf("%q is not an RPC", call)
	}
	return rpc, nil
}

func newMessage(descriptor protoreflect.MessageDescriptor) (proto.Message, error) {
	found, err := protoregistry.GlobalTypes.FindMessageByName(descriptor.FullName())
	if err != nil {
		return nil, err
	}
	return found.New().Interface(), nil
}

// toJSON is message as canonical proto3 JSON (defaults omitted), decoded into Go values.
func toJSON(message proto.Message) (any, error) {
	encoded, err := protojson.Marshal(message)
	if err != nil {
		return nil, err
	}
	var value any
	if err := json.Unmarshal(encoded, &value); err != nil {
		return nil, err
	}
	return value, nil
}

// clients holds one client per API key name of server-env.json, dialled on first use.
type clients struct {
	target string
	keys   map[string]string
	byName map[string]*cortex.Client
}

func (c *clients) get(name string) (*cortex.Client, error) {
	if name == "" {
		name = "default"
	}
	if client, ok := c.byName[name]; ok {
		return client, nil
	}
	key, ok := c.keys[name]
	if !ok {
		return nil, fmt.Errorf("as %q: no such key in server-env.json", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := cortex.Dial(ctx, c.target, cortex.WithAPIKey(key), cortex.WithTimeout(30*time.Second))
	if err != nil {
		return nil, err
	}
	if c.byName == nil {
		c.byName = map[string]*cortex.Client{}
	}
	c.byName[name] = client
	return client, nil
}

func (c *clients) close() {
	for _, client := range c.byName {
		_ = client.Close()
	}
}

func runID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func readJSON[T any](t *testing.T, path string) T {
	t.Helper()
	var value T
	data, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(data, &value)
	}
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return value
}

func remarshal(from any, to any) error {
	data, err := json.Marshal(from)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, to)
}

func compact(value any) string {
	data, _ := json.Marshal(value)
	return string(data)
}

func must[T any](value T, err error) T {
	if err != nil {
		panic(err)
	}
	return value
}
