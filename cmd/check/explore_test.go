package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a writer a test reads while the command writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var servedAt = regexp.MustCompile(`at (http://127\.0\.0\.1:\d+/) `)

// check explore prints its loopback address, serves the explorer there
// (a counterexample saved by check run --json loads) and exits 0 when
// interrupted.
func TestExploreServesOnLoopbackUntilInterrupted(t *testing.T) {
	_, saved, _ := runCLI(t, "run", "today", "--json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"explore", "today", "--addr", "127.0.0.1:0"}, &stdout, &stderr) }()
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := servedAt.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("check explore exited %d: %s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("check explore printed no address: %q", stdout.String())
		}
	}
	resp, err := http.Get(base)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "today") {
		t.Errorf("GET %s: %d", base, resp.StatusCode)
	}
	resp, err = http.Post(base+"trace", "application/json", strings.NewReader(saved))
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "counterexample of no-stale-read, 8 steps") {
		t.Errorf("POST the output of check run --json: %d\n%s", resp.StatusCode, page)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("interrupted, check explore exits %d, want 0: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("check explore does not stop when interrupted")
	}
}

// check explore refuses, with exit 2, an address off the loopback, a
// missing or unknown scenario and bad parameters.
func TestExploreRefusesBadArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"explore", "today", "--addr", "0.0.0.0:0"}, "loopback address only"},
		{[]string{"explore", "today", "--addr", ":8080"}, "loopback address only"},
		{[]string{"explore", "today", "--addr", "192.168.1.1:80"}, "loopback address only"},
		{[]string{"explore", "today", "--addr", "nonsense"}, "want host:port"},
		{[]string{"explore"}, "explore takes one scenario"},
		{[]string{"explore", "today", "today-wait-first"}, "explore takes one scenario"},
		{[]string{"explore", "no-such-scenario"}, "unknown scenario"},
		{[]string{"explore", "today", "--set", "lines=99"}, "parameter lines"},
		{[]string{"explore", "missing.yaml"}, "missing.yaml"},
	} {
		code, _, stderr := runCLI(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("check %s: exit %d, %q; want 2 saying %q", strings.Join(tc.args, " "), code, stderr, tc.want)
		}
	}
	if code, stdout, _ := runCLI(t, "explore", "--help"); code != exitOK || !strings.Contains(stdout, "loopback") {
		t.Errorf("check explore --help: exit %d\n%s", code, stdout)
	}
}
