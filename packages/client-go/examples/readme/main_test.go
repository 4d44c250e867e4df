package main

import (
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/cortex-memory/cortex/packages/client-go/internal/testserver"
)

// TestTheRepositoryReadmeShowsThisProgram keeps the Go block of the repository's README and this
// file the same, so what the README shows is what the next test runs.
func TestTheRepositoryReadmeShowsThisProgram(t *testing.T) {
	readme, err := os.ReadFile("../../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	source, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, block := range regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1) {
		if strings.Contains(block[1], "package main") {
			if block[1] != string(source) {
				t.Fatal("the README's Go quick start differs from examples/readme/main.go; make them the same")
			}
			return
		}
	}
	t.Fatal("the README has no Go quick start (a ```go block with package main)")
}

// TestItRunsAgainstAFreshServer runs the program as a reader would, against a server started like
// `npm start`, and reads what it prints.
func TestItRunsAgainstAFreshServer(t *testing.T) {
	server, err := testserver.Start(testserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Stop() })
	t.Setenv("CORTEX_ADDR", server.Addr())
	t.Setenv("CORTEX_API_KEY", "")

	read, write, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = write
	main()
	os.Stdout = stdout
	_ = write.Close()
	out, err := io.ReadAll(read)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"The staging deploy failed: migration 42 timed out", " tokens:\n", "1 hot memories, ledger head 1", "1 memory.created deploy-42"} {
		if !strings.Contains(string(out), line) {
			t.Errorf("printed no %q:\n%s", line, out)
		}
	}
}
