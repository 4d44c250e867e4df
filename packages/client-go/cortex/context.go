package cortex

import (
	"context"

	"github.com/cortex-memory/cortex/packages/client-go/cortexv1"
)

// BuildContext packs the memories most relevant to a query into an LLM context within an
// exact token budget of the given model's tokenizer.
func (c *Client) BuildContext(ctx context.Context, req *cortexv1.BuildContextRequest, opts ...CallOption) (*cortexv1.BuildContextResponse, error) {
	return invoke[cortexv1.BuildContextResponse](ctx, c, cortexv1.ContextService_BuildContext_FullMethodName, req, opts)
}

// CountTokens counts tokens of texts with a model's tokenizer.
func (c *Client) CountTokens(ctx context.Context, req *cortexv1.CountTokensRequest, opts ...CallOption) (*cortexv1.CountTokensResponse, error) {
	return invoke[cortexv1.CountTokensResponse](ctx, c, cortexv1.ContextService_CountTokens_FullMethodName, req, opts)
}
