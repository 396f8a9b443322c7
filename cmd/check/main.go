// Command check runs exhaustive checks of the built-in scenarios.
//
//	check run SCENARIO [--set key=value ...] [--workers N] [--max-states N]
//	          [--max-depth N] [--memory SIZE] [--only PROP,...] [--json] [--quiet]
//	check list
//
// Exit codes: 0 every property holds (exhaustive), 1 a property is violated,
// 2 usage or input error, 3 the search was incomplete (a bound was hit or
// the run was interrupted).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
