package cli_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmabufcheck/dmabufcheck/cli"
)

// syncBuffer is a writer the test reads while explore writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// explore serves a registered model's explorer on a loopback address,
// under the program's name, and exits 0 when interrupted.
func TestExploreOfARegisteredModel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- lockApp().Run(ctx, []string{"explore", "lock", "--addr", "127.0.0.1:0"}, &stdout, &stderr)
	}()
	servedAt := regexp.MustCompile(`^lockcheck explore: lock \(recheck=false\) at (http://127\.0\.0\.1:\d+/) `)
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := servedAt.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("explore exited %d: %s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("explore printed no address: %q", stdout.String())
		}
	}
	resp, err := http.Get(base)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "see[0]") || !strings.Contains(string(page), "mutual exclusion") {
		t.Errorf("GET %s: %d, the page does not show the enabled see[0] and the property:\n%s", base, resp.StatusCode, page)
	}
	cancel()
	select {
	case code := <-done:
		if code != cli.ExitOK {
			t.Errorf("interrupted, explore exits %d, want 0: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("explore does not stop when interrupted")
	}
}
