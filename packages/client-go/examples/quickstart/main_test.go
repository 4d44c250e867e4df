package main

import (
	"strings"
	"testing"

	"github.com/cortex-memory/cortex/packages/client-go/internal/testserver"
)

// TestQuickstartRunsAgainstAFreshServer runs the quick start as a reader would, against a
// server started like `npm start` (no API keys), twice: the second run must work as well.
func TestQuickstartRunsAgainstAFreshServer(t *testing.T) {
	server, err := testserver.Start(testserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Stop() })
	t.Setenv("CORTEX_ADDR", server.Addr())
	t.Setenv("CORTEX_API_KEY", "")

	for i, want := range []string{"remembered deploy-42 REMEMBER_OUTCOME_CREATED", "remembered deploy-42 REMEMBER_OUTCOME_UNCHANGED"} {
		var out strings.Builder
		if err := run(&out); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		for _, line := range []string{want, "recalled", "staging deploy failed", "snapshot: ", "ledger #1 memory.created deploy-42"} {
			if !strings.Contains(out.String(), line) {
				t.Errorf("run %d printed no %q:\n%s", i+1, line, out.String())
			}
		}
	}
}
