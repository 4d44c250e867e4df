package cortex

import (
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
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

// idempotentWhenSet is the method option (proto/cortex/v1/options.proto) of the writes that
// are idempotent for some requests only: those in which every listed field path is set.
const idempotentWhenSet protoreflect.FullName = "cortex.v1.idempotent_when_set"

// declaration is what the proto says, or will say, about repeating an RPC.
type declaration struct {
	level   descriptorpb.MethodOptions_IdempotencyLevel
	whenSet []string
}

// undeclared holds what the protos we do not own leave out: the vendored grpc.health.v1 declares
// no idempotency level. Every cortex.v1 RPC declares its own; TestUndeclaredOnlyCoversRPCsTheProtoIsSilentAbout
// fails if one of these gains a declaration.
var undeclared = map[protoreflect.FullName]declaration{
	"grpc.health.v1.Health.Check": {level: descriptorpb.MethodOptions_NO_SIDE_EFFECTS},
}

// idempotencyOf classifies one call from its RPC's declaration: NO_SIDE_EFFECTS is a read,
// IDEMPOTENT an idempotent write, idempotent_when_set an idempotent write for requests that
// set every listed path; anything else is unsafe.
func idempotencyOf(method protoreflect.MethodDescriptor, request proto.Message) idempotency {
	declared := declarationOf(method)
	switch declared.level {
	case descriptorpb.MethodOptions_NO_SIDE_EFFECTS:
		return read
	case descriptorpb.MethodOptions_IDEMPOTENT:
		return idempotent
	}
	if len(declared.whenSet) == 0 {
		return unsafe
	}
	for _, path := range declared.whenSet {
		if !isSet(request.ProtoReflect(), strings.Split(path, ".")) {
			return unsafe
		}
	}
	return idempotent
}

// declarationOf reads the RPC's options, falling back to undeclared when they say nothing.
func declarationOf(method protoreflect.MethodDescriptor) declaration {
	options, _ := method.Options().(*descriptorpb.MethodOptions)
	declared := declaration{level: options.GetIdempotencyLevel()}
	if extension, err := protoregistry.GlobalTypes.FindExtensionByName(idempotentWhenSet); err == nil && proto.HasExtension(options, extension) {
		declared.whenSet, _ = proto.GetExtension(options, extension).([]string)
	}
	if declared.level == descriptorpb.MethodOptions_IDEMPOTENCY_UNKNOWN && len(declared.whenSet) == 0 {
		return undeclared[method.FullName()]
	}
	return declared
}

// isSet follows a path of proto field names: the last field is set when it holds a non-default
// value (a present message, a non-empty list or map); a message field before it, when it is
// present (for a list: not empty) and the rest of the path is set in it (in every element).
func isSet(message protoreflect.Message, path []string) bool {
	field := message.Descriptor().Fields().ByName(protoreflect.Name(path[0]))
	if field == nil || !message.Has(field) {
		return false
	}
	if len(path) == 1 {
		return true
	}
	if field.Message() == nil || field.IsMap() {
		return false
	}
	if !field.IsList() {
		return isSet(message.Get(field).Message(), path[1:])
	}
	list := message.Get(field).List()
	for i := range list.Len() {
		if !isSet(list.Get(i).Message(), path[1:]) {
			return false
		}
	}
	return true
}
