package cortex_test

import (
	"context"
	"reflect"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/cortex-memory/cortex/packages/client-go/cortex"
	_ "github.com/cortex-memory/cortex/packages/client-go/cortexv1" // registers the cortex.v1 descriptors
)

// TestEveryRPCInTheProtoHasAClientMethod reads the RPCs from the generated descriptors, so an
// RPC added to proto/ fails here until *cortex.Client has a method for it.
func TestEveryRPCInTheProtoHasAClientMethod(t *testing.T) {
	client := reflect.TypeFor[*cortex.Client]()
	rpcs := 0
	protoregistry.GlobalFiles.RangeFilesByPackage("cortex.v1", func(file protoreflect.FileDescriptor) bool {
		for i := range file.Services().Len() {
			methods := file.Services().Get(i).Methods()
			for j := range methods.Len() {
				rpcs++
				checkMethod(t, client, methods.Get(j))
			}
		}
		return true
	})
	if rpcs < 14 {
		t.Errorf("found %d RPCs in cortex.v1; the descriptors did not load", rpcs)
	}
}

func checkMethod(t *testing.T, client reflect.Type, rpc protoreflect.MethodDescriptor) {
	t.Helper()
	method, ok := client.MethodByName(string(rpc.Name()))
	if !ok {
		t.Errorf("%s has no method on *cortex.Client", rpc.FullName())
		return
	}
	signature := method.Type
	request := messageType(t, rpc.Input())
	if signature.NumIn() != 4 || signature.In(1) != reflect.TypeFor[context.Context]() || signature.In(2) != request || !signature.IsVariadic() {
		t.Errorf("%s: %v, want func(context.Context, %v, ...cortex.CallOption)", rpc.Name(), signature, request)
	}
	if rpc.IsStreamingServer() {
		if signature.NumOut() != 1 || signature.Out(0).Kind() != reflect.Func {
			t.Errorf("%s streams: %v, want an iterator", rpc.Name(), signature)
		}
		return
	}
	response := messageType(t, rpc.Output())
	if signature.NumOut() != 2 || signature.Out(0) != response || signature.Out(1) != reflect.TypeFor[error]() {
		t.Errorf("%s: %v, want (%v, error)", rpc.Name(), signature, response)
	}
	if rpc.Output().Fields().ByName("next_page_token") != nil {
		if _, ok := client.MethodByName(string(rpc.Name()) + "All"); !ok {
			t.Errorf("%s is paged but *cortex.Client has no %sAll iterator", rpc.Name(), rpc.Name())
		}
	}
}

func messageType(t *testing.T, message protoreflect.MessageDescriptor) reflect.Type {
	t.Helper()
	found, err := protoregistry.GlobalTypes.FindMessageByName(message.FullName())
	if err != nil {
		t.Fatal(err)
	}
	return reflect.TypeOf(found.New().Interface())
}
