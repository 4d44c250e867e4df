package cortex_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cortex-memory/cortex/packages/client-go/cortex"
	"github.com/cortex-memory/cortex/packages/client-go/cortexv1"
	"github.com/cortex-memory/cortex/packages/client-go/internal/testserver"
)

// authority is a CA made for one test, able to issue a server certificate for 127.0.0.1.
type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newAuthority(t *testing.T) *authority {
	t.Helper()
	key := result(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)).must(t)
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "cortex test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	der := result(x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)).must(t)
	cert := result(x509.ParseCertificate(der)).must(t)
	return &authority{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// serverCertificate issues a certificate for 127.0.0.1 and writes it and its key as PEM files
// into dir, the way an operator hands them to Cortex (CORTEX_TLS_CERT, CORTEX_TLS_KEY).
func (a *authority) serverCertificate(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key := result(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)).must(t)
	template := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der := result(x509.CreateCertificate(rand.Reader, template, a.cert, &key.PublicKey, a.key)).must(t)
	keyDER := result(x509.MarshalPKCS8PrivateKey(key)).must(t)
	certFile, keyFile = filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// startTLSServer runs the real Cortex server (cortex serve) over TLS with a certificate issued
// by ca.
func startTLSServer(t *testing.T, ca *authority) string {
	t.Helper()
	certFile, keyFile := ca.serverCertificate(t, t.TempDir())
	server, err := testserver.Start(testserver.Options{Env: map[string]string{"CORTEX_TLS_CERT": certFile, "CORTEX_TLS_KEY": keyFile}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Stop() })
	return server.Addr()
}

func dialQuickly(target string, opts ...cortex.Option) (*cortex.Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return cortex.Dial(ctx, target, append(opts, cortex.WithRetry(cortex.RetryPolicy{MaxAttempts: 1}))...)
}

func TestTLSConnectsWithTheServersCAAndRefusesOthers(t *testing.T) {
	ca := newAuthority(t)
	target := startTLSServer(t, ca)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.pem, 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)

	for name, option := range map[string]cortex.Option{
		"CA file":    cortex.WithTLSCAFile(caFile),
		"TLS config": cortex.WithTLS(&tls.Config{RootCAs: pool}),
	} {
		client, err := dialQuickly(target, option)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if _, err := client.CountTokens(context.Background(), &cortexv1.CountTokensRequest{Model: "gpt-4o", Texts: []string{"over TLS"}}); err != nil {
			t.Errorf("%s: CountTokens over TLS: %v", name, err)
		}
		_ = client.Close()
	}

	stranger := x509.NewCertPool()
	stranger.AddCert(newAuthority(t).cert)
	client, err := dialQuickly(target, cortex.WithTLS(&tls.Config{RootCAs: stranger}))
	if err == nil {
		_ = client.Close()
	}
	if !cortex.IsUnavailable(err) {
		t.Errorf("a server certificate from an unknown CA: %v, want UNAVAILABLE", err)
	}
	if client, err := dialQuickly(target); err == nil {
		t.Error("plaintext to a TLS server connected")
		_ = client.Close()
	}
	if _, err := dialQuickly(target, cortex.WithTLSCAFile(filepath.Join(t.TempDir(), "missing.pem"))); err == nil {
		t.Error("a missing CA file was accepted")
	}
}
