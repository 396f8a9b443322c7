package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/dmabufcheck/dmabufcheck/explore"
)

const exploreHelp = `usage: check explore SCENARIO [--set k=v ...] [--addr 127.0.0.1:0]

Serve an interactive explorer of a scenario's state space (docs/explore.md):
SCENARIO is a registered model's name ('check list') or a scenario file
FILE.yaml. It listens on a loopback address only, prints the page's address
and serves until interrupted (Ctrl-C: exit 0); it opens no browser. The
page shows the current state, the actions enabled there (kernel calls, in
the DMA-buf world) and every property's verdict there; it takes a step,
goes back, jumps to a property's shortest counterexample or steps through a
saved trace (the JSON of 'check run --trace-out FILE.json' or
'check run --json'). The address names the path taken: send it, and the
same state opens.
`

// cmdExplore serves the explorer of a scenario until ctx is done.
func (a *App) cmdExplore(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet(a.Name+" explore", flag.ContinueOnError)
	var set []string
	fs.Var(multiFlag{&set}, "set", "set a scenario parameter, `key=value` (repeatable)")
	addr := "127.0.0.1:0"
	fs.StringVar(&addr, "addr", addr, "listen on `host:port`, a loopback address (port 0: a free port)")
	pos, err := ParseFlags(fs, a.named(exploreHelp), args, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return Usagef("explore takes one scenario (a built-in name or FILE.yaml)")
	}
	if err := loopbackAddr(addr); err != nil {
		return Usagef("--addr %q: %v", addr, err)
	}
	l, err := a.loadScenario(pos[0], set)
	if err != nil {
		return err
	}
	if l.sc.Explore == nil {
		return Usagef("scenario %s cannot be explored: it has no Explore hook", l.sc.Name)
	}
	m, err := l.sc.Explore(l.vals)
	if err != nil {
		return UsageError{fmt.Errorf("%s: %v", pos[0], err)}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return UsageError{fmt.Errorf("--addr %q: %v", addr, err)}
	}
	srv := &http.Server{Handler: explore.New(l.sc.Name, l.vals.Map(), m), ReadHeaderTimeout: 10 * time.Second}
	what := fmt.Sprintf("%s (%s)", l.sc.Name, l.vals)
	if l.file != nil {
		what = fmt.Sprintf("%s (the file %s)", l.sc.Name, l.file.Path)
	}
	fmt.Fprintf(stdout, "%s explore: %s at http://%s/ (Ctrl-C stops it)\n", a.Name, what, ln.Addr())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(stop); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// loopbackAddr checks that a listening address is on a loopback
// interface: the explorer serves one user, on this machine.
func loopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("want host:port, e.g. 127.0.0.1:8080 (%v)", err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("the explorer listens on a loopback address only (127.0.0.1, ::1 or localhost), not %q", host)
	}
	return nil
}
