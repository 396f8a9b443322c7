package conformance_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmabufcheck/dmabufcheck/conformance"
)

// Environment of the tests.
const (
	// envRecord names a file TestKernel writes the records to (to update
	// testdata after a kernel change: see docs/conformance.md).
	envRecord = "DMABUFCHECK_CONFORMANCE_RECORD"
	// envRun selects scenarios by a regular expression on their names.
	envRun = "DMABUFCHECK_CONFORMANCE_RUN"
)

// unavailable skips the test, or fails it under CI on a machine with
// apt-get, where .ci/run installs QEMU and prepares the kernel.
func unavailable(t *testing.T, format string, a ...any) {
	t.Helper()
	msg := "package conformance: the kernel conformance suite (TestKernel) is skipped: " + fmt.Sprintf(format, a...)
	if _, err := exec.LookPath("apt-get"); err == nil && os.Getenv("CI") == "true" {
		t.Fatal(msg + " (under CI, .ci/run installs and prepares these)")
	}
	t.Skip(msg)
}

// TestKernel boots the prepared kernel under QEMU, runs every scenario of
// the guest and compares every probed call with the model's prediction.
func TestKernel(t *testing.T) {
	if _, err := conformance.QEMU(); err != nil {
		unavailable(t, "%v", err)
	}
	k, err := conformance.FindKernel()
	if err != nil {
		unavailable(t, "no prepared kernel (%v): run `go run ./conformance/prepare`, which downloads Debian's "+
			"linux-image, linux-headers and linux-source packages of %s into the cache (%s, default $HOME/.cache/dmabufcheck) "+
			"and needs apt-get, dpkg-deb, xz-utils, make, gcc-12 and binutils; or point %s at a prepared kernel",
			err, conformance.DefaultRelease, conformance.EnvCache, conformance.EnvKernelDir)
	}
	// The guest is built by a subprocess: reading its sources here makes
	// them part of go test's cache key, so a change to the guest reruns
	// the boot.
	guestSrc, _ := filepath.Glob(filepath.Join("guest", "*.go"))
	for _, f := range guestSrc {
		if _, err := os.ReadFile(f); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	res, err := conformance.Boot(ctx, k, conformance.BootOptions{WorkDir: dir, Run: os.Getenv(envRun)})
	if res != nil {
		t.Logf("kernel %s: QEMU ran %.1fs, %d records", k, res.Elapsed.Seconds(), len(res.Records))
	}
	if err == nil && !res.Done {
		err = fmt.Errorf("the guest did not finish")
	}
	if err != nil {
		console := ""
		if res != nil {
			console = res.Console
			if len(console) > 4000 {
				console = console[len(console)-4000:]
			}
		}
		t.Fatalf("boot: %v\nconsole (end):\n%s", err, console)
	}
	if out := os.Getenv(envRecord); out != "" {
		if err := conformance.WriteRecords(out, res.Records); err != nil {
			t.Fatal(err)
		}
		t.Logf("records written to %s", out)
	}
	rep := conformance.Compare(res.Records)
	if rep.Env["release"] != k.Manifest.Release {
		t.Errorf("the guest reports release %q, the kernel directory %q", rep.Env["release"], k.Manifest.Release)
	}
	for scn, why := range rep.Skipped {
		feat := strings.TrimPrefix(why, "no ")
		required := feat == "udmabuf" || feat == "heap" || feat == "bufinfo" ||
			feat == "sw_sync" && k.Manifest.SwSync || feat == "vgem" && k.Manifest.Vgem
		if required && os.Getenv(envRun) == "" {
			t.Errorf("scenario %s skipped: %s (modules: %v)", scn, why, rep.Env)
		} else {
			t.Logf("scenario %s skipped: %s", scn, why)
		}
	}
	verdict(t, rep)
}

// TestRecordedKernel replays the records of the last boot of each kernel
// in testdata through the model: on a machine without QEMU the model is
// still checked against what the real kernel answered.
func TestRecordedKernel(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.jsonl"))
	if len(files) == 0 {
		t.Fatal("no recorded kernel in testdata")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".jsonl"), func(t *testing.T) {
			recs, err := conformance.ReadRecords(f)
			if err != nil {
				t.Fatal(err)
			}
			rep := conformance.Compare(recs)
			if len(rep.Skipped) > 0 {
				t.Errorf("recorded boot skipped scenarios: %v", rep.Skipped)
			}
			verdict(t, rep)
		})
	}
}

// TestEveryRecordedCallIsCompared flips each recorded call's errno (and
// its blocked and revents observations): the replay must notice every
// change, so no predicted call goes unchecked.
func TestEveryRecordedCallIsCompared(t *testing.T) {
	recs, err := conformance.ReadRecords(filepath.Join("testdata", conformance.DefaultRelease+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	base := conformance.Compare(recs)
	total := func(r conformance.Report) int { return len(r.Mismatches) + len(r.Known) }
	for i, r := range recs {
		if !conformance.Predicted(r.Op) {
			continue
		}
		mut := append(recs[:0:0], recs...)
		if mut[i].Errno == 0 {
			mut[i].Errno = 22
		} else {
			mut[i].Errno = 0
		}
		if total(conformance.Compare(mut)) == total(base) {
			t.Errorf("#%d %s %s: a different errno goes unnoticed", r.Seq, r.Scn, r.Op)
		}
		if r.Blocked != nil {
			mut := append(recs[:0:0], recs...)
			b := !*r.Blocked
			mut[i].Blocked = &b
			if total(conformance.Compare(mut)) == total(base) {
				t.Errorf("#%d %s %s: a different blocked goes unnoticed", r.Seq, r.Scn, r.Op)
			}
		}
		if r.Revents != nil {
			mut := append(recs[:0:0], recs...)
			v := *r.Revents ^ 4
			mut[i].Revents = &v
			if total(conformance.Compare(mut)) == total(base) {
				t.Errorf("#%d %s %s: different revents go unnoticed", r.Seq, r.Scn, r.Op)
			}
		}
	}
}

// verdict logs the report and fails on every disagreement that is not a
// known model gap, and on a known gap that no longer shows up.
func verdict(t *testing.T, rep conformance.Report) {
	t.Helper()
	t.Log(rep.Summary())
	why := map[string]bool{}
	for _, m := range rep.Known {
		t.Logf("known model gap: %s", m)
		if !why[m.Known] {
			why[m.Known] = true
			t.Logf("    why: %s", m.Known)
		}
	}
	for _, m := range rep.Mismatches {
		t.Errorf("disagreement: %s", m)
	}
	for _, g := range rep.UnusedGaps {
		t.Errorf("known model gap %q did not show up: fixed? Delete it from conformance/gaps.go", g)
	}
	if rep.Calls == 0 {
		t.Error("no call compared")
	}
}
