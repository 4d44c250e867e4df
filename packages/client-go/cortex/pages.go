package cortex

import (
	"context"
	"iter"

	"google.golang.org/protobuf/proto"
)

// pager knows where a paged RPC keeps its page token, its items and the next token.
type pager[Req proto.Message, Resp any, Item any] struct {
	setToken func(Req, string)
	items    func(Resp) []Item
	next     func(Resp) string
}

// allPages yields the items of every page, calling fetch lazily on a copy of req, so the
// caller's request is never changed and breaking out of the loop fetches nothing more.
func allPages[Req proto.Message, Resp any, Item any](
	ctx context.Context,
	req Req,
	fetch func(context.Context, Req, ...CallOption) (Resp, error),
	opts []CallOption,
	p pager[Req, Resp, Item],
) iter.Seq2[Item, error] {
	return func(yield func(Item, error) bool) {
		page := cloneOrNew(req)
		for {
			response, err := fetch(ctx, page, opts...)
			if err != nil {
				var none Item
				yield(none, err)
				return
			}
			for _, item := range p.items(response) {
				if !yield(item, nil) {
					return
				}
			}
			token := p.next(response)
			if token == "" {
				return
			}
			p.setToken(page, token)
		}
	}
}

// cloneOrNew copies m, or makes an empty message of m's type when m is nil, so the SDK can set
// fields (a page token, a resume point) without touching the caller's request.
func cloneOrNew[M proto.Message](m M) M {
	if !m.ProtoReflect().IsValid() {
		return m.ProtoReflect().Type().New().Interface().(M)
	}
	return proto.Clone(m).(M)
}
