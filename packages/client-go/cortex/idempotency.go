package cortex

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/cortex-memory/cortex/packages/client-go/cortexv1"
)

// idempotency says how safe a call is to repeat after a failure whose outcome is unknown.
type idempotency int

const (
	// unsafe: a repeat could apply the change twice or fail spuriously; never retried.
	unsafe idempotency = iota
	// idempotent: a write whose repeat leaves the same result.
	idempotent
	// read: changes nothing, so any repeat is harmless.
	read
)

// requestRules decide for the RPCs whose safety depends on the request. They come first,
// whatever the proto declares for the RPC as a whole.
var requestRules = map[protoreflect.FullName]func(proto.Message) idempotency{
	// Remember upserts by id: a repeat is harmless only when every item names its id; an item
	// without one would be stored again under a new server-generated id.
	"cortex.v1.MemoryService.Remember": func(m proto.Message) idempotency {
		items := m.(*cortexv1.RememberRequest).GetMemories()
		for _, item := range items {
			if item.GetId() == "" {
				return unsafe
			}
		}
		return when(len(items) > 0)
	},
	// Forget by ids deletes a fixed set; by filter alone a repeat could delete memories written
	// in between.
	"cortex.v1.MemoryService.Forget": func(m proto.Message) idempotency {
		return when(len(m.(*cortexv1.ForgetRequest).GetIds()) > 0)
	},
}

// undeclaredReads are the RPCs that change nothing but do not say so in the proto yet. Once
// the proto marks them `option idempotency_level = NO_SIDE_EFFECTS`, this table goes away.
var undeclaredReads = map[protoreflect.FullName]bool{
	"cortex.v1.MemoryService.Recall":        true,
	"cortex.v1.MemoryService.GetMemory":     true,
	"cortex.v1.MemoryService.ListMemories":  true,
	"cortex.v1.ContextService.BuildContext": true,
	"cortex.v1.ContextService.CountTokens":  true,
	"cortex.v1.LedgerService.GetEntries":    true,
	"cortex.v1.LedgerService.Verify":        true,
	"cortex.v1.AgentService.GetSnapshot":    true,
	"grpc.health.v1.Health.Check":           true,
}

// idempotencyOf classifies one call: the request rule of its RPC if any, else the RPC's
// idempotency_level option, else the table of undeclared reads; anything else is unsafe.
func idempotencyOf(method protoreflect.MethodDescriptor, request proto.Message) idempotency {
	if rule, ok := requestRules[method.FullName()]; ok {
		return rule(request)
	}
	options, _ := method.Options().(*descriptorpb.MethodOptions)
	switch options.GetIdempotencyLevel() {
	case descriptorpb.MethodOptions_NO_SIDE_EFFECTS:
		return read
	case descriptorpb.MethodOptions_IDEMPOTENT:
		return idempotent
	}
	if undeclaredReads[method.FullName()] {
		return read
	}
	return unsafe
}

func when(safe bool) idempotency {
	if safe {
		return idempotent
	}
	return unsafe
}
