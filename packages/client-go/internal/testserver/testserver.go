// Package testserver runs a real Cortex server (`cortex serve` from packages/server, through
// tsx) as a child process for the SDK's tests and the conformance runner.
package testserver

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Options says how to start a server. The zero value serves 127.0.0.1 on a free port with a
// fresh data directory.
type Options struct {
	// Host to bind; 127.0.0.1 when empty. Any 127.x.y.z works, so replicas can share a port.
	Host string
	// Port to bind; a free one when 0.
	Port int
	// DataDir to use; a new temporary one, removed by Stop, when empty.
	DataDir string
	// Env adds CORTEX_* settings, e.g. CORTEX_API_KEYS.
	Env map[string]string
}

// Server is one running `cortex serve`.
type Server struct {
	options   Options
	ownedData bool
	cmd       *exec.Cmd
	exited    chan struct{}
	// Port the server listens on.
	Port int
}

const startTimeout = 90 * time.Second

// Start launches the server and returns once it logged "cortex serving".
func Start(options Options) (*Server, error) {
	s := &Server{options: options}
	s.options.Host = cmp.Or(options.Host, "127.0.0.1")
	if s.options.DataDir == "" {
		dir, err := os.MkdirTemp("", "cortex-client-go-")
		if err != nil {
			return nil, err
		}
		s.options.DataDir, s.ownedData = dir, true
	}
	if err := s.start(); err != nil {
		s.removeData()
		return nil, err
	}
	return s, nil
}

// Addr is host:port of the server.
func (s *Server) Addr() string {
	return net.JoinHostPort(s.options.Host, strconv.Itoa(s.Port))
}

// Host is the address the server binds.
func (s *Server) Host() string { return s.options.Host }

// Restart stops the server and starts it again on the same address and data directory.
func (s *Server) Restart() error {
	if err := s.terminate(); err != nil {
		return err
	}
	s.options.Port = s.Port
	return s.start()
}

// Stop ends the server gracefully (SIGTERM) and removes a data directory Start created.
func (s *Server) Stop() error {
	err := s.terminate()
	s.removeData()
	return err
}

func (s *Server) start() error {
	root, err := RepoRoot()
	if err != nil {
		return err
	}
	cmd := exec.Command("node", "--import", "tsx", "src/main.ts", "serve")
	cmd.Dir = filepath.Join(root, "packages", "server")
	cmd.Env = append(os.Environ(),
		"CORTEX_ENV=test",
		"CORTEX_HOST="+s.options.Host,
		"CORTEX_PORT="+strconv.Itoa(s.options.Port),
		"CORTEX_METRICS_PORT=0",
		"CORTEX_DATA_DIR="+s.options.DataDir,
		"CORTEX_MODEL_DIR="+cmp.Or(os.Getenv("CORTEX_MODEL_DIR"), filepath.Join(root, "models", "e5-small-v2")),
		"CORTEX_LOG_LEVEL=info",
	)
	for key, value := range s.options.Env {
		cmd.Env = append(cmd.Env, key+"="+value)
	}
	cmd.Stderr = os.Stderr
	// The server must not outlive a test binary that dies without stopping it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting cortex serve: %w", err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	ports := make(chan int, 1)
	go func() {
		watchLog(stdout, ports)
		_ = cmd.Wait()
		close(s.exited)
	}()
	select {
	case s.Port = <-ports:
		return nil
	case <-s.exited:
		return fmt.Errorf("cortex serve exited with %v before serving", cmd.ProcessState)
	case <-time.After(startTimeout):
		_ = cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("cortex serve did not log \"cortex serving\" within %v", startTimeout)
	}
}

// watchLog sends the port of the "cortex serving" line, then drains the log so the server
// never blocks on a full pipe.
func watchLog(stdout io.Reader, ports chan<- int) {
	lines := bufio.NewScanner(stdout)
	lines.Buffer(make([]byte, 64*1024), 1024*1024)
	for lines.Scan() {
		var entry struct {
			Message  string `json:"message"`
			GRPCPort int    `json:"grpcPort"`
		}
		if json.Unmarshal(lines.Bytes(), &entry) == nil && entry.Message == "cortex serving" {
			ports <- entry.GRPCPort
		}
	}
	_, _ = io.Copy(io.Discard, stdout)
}

func (s *Server) terminate() error {
	if s.cmd == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return errors.New("cortex serve did not stop within 30 s of SIGTERM; killed it")
	}
	s.cmd = nil
	return nil
}

func (s *Server) removeData() {
	if s.ownedData {
		_ = os.RemoveAll(s.options.DataDir)
	}
}

// RepoRoot is the checkout's root: the nearest directory above the working directory that
// holds pnpm-workspace.yaml.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "pnpm-workspace.yaml")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no pnpm-workspace.yaml above the working directory: run the tests inside the Cortex checkout")
		}
		dir = parent
	}
}

// FreePort is a TCP port nothing listens on right now on host (bound to 0, read back, closed).
func FreePort(host string) (int, error) {
	listener, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	defer listener.Close()
	return listener.Addr().(*net.TCPAddr).Port, nil
}
