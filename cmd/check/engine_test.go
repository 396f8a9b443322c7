package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --full-state counts exactly what fingerprint mode counts, says so, and
// prints a collision probability of 0.
func TestFullStateFlag(t *testing.T) {
	_, fp := runJSON(t, "run", "german", "--set", "nodes=3")
	code, full := runJSON(t, "run", "german", "--set", "nodes=3", "--full-state")
	if code != exitOK || full.States != fp.States || full.Transitions != fp.Transitions || full.Depth != fp.Depth {
		t.Errorf("full state: exit %d, %d/%d/%d; fingerprints %d/%d/%d", code, full.States, full.Transitions, full.Depth, fp.States, fp.Transitions, fp.Depth)
	}
	if full.Mode != "full-state" || fp.Mode != "fingerprint" || full.CollisionProbability != 0 || fp.CollisionProbability == 0 {
		t.Errorf("modes %q/%q, collision probabilities %g/%g", full.Mode, fp.Mode, full.CollisionProbability, fp.CollisionProbability)
	}
	if full.Memory.StateStore < full.States*uint64(full.Memory.StateSize) {
		t.Errorf("state store %d B for %d states", full.Memory.StateStore, full.States)
	}
	_, out, _ := runCLI(t, "run", "dmabuf-bench", "--set", "bad=true", "--full-state", "--quiet")
	if !strings.Contains(out, "collision probability: 0 (exact") || !strings.Contains(out, "counterexample (5 steps") {
		t.Errorf("text output:\n%s", out)
	}
}

// --spill-dir gives the in-memory result, reports what it wrote and leaves
// the directory empty.
func TestSpillDirFlag(t *testing.T) {
	dir := t.TempDir()
	_, mem := runJSON(t, "run", "german", "--set", "nodes=3")
	code, sp := runJSON(t, "run", "german", "--set", "nodes=3", "--spill-dir", dir, "--spill-threshold", "16KiB")
	if code != exitOK || sp.States != mem.States || sp.Transitions != mem.Transitions || sp.Memory.SpilledBytes == 0 || mem.Memory.SpilledBytes != 0 {
		t.Errorf("spilled: exit %d, %d states, %d bytes spilled; in memory %d states", code, sp.States, sp.Memory.SpilledBytes, mem.States)
	}
	if left, err := os.ReadDir(dir); err != nil || len(left) > 0 {
		t.Errorf("spill directory after the run: %v %v", left, err)
	}
}

// --parent-dir writes the parent links of finished levels to a file there
// (german 4 has more than a million states, so some level is written),
// removed at once; --parents-in-memory keeps them all in memory: both give
// the same states and transitions, and say which they did.
func TestParentLinkFlags(t *testing.T) {
	dir := t.TempDir()
	code, disk := runJSON(t, "run", "german", "--set", "nodes=4", "--parent-dir", dir)
	if code != exitOK || disk.Memory.ParentFile == 0 {
		t.Errorf("--parent-dir: exit %d, %d bytes of parent links on disk", code, disk.Memory.ParentFile)
	}
	code, mem := runJSON(t, "run", "german", "--set", "nodes=4", "--parents-in-memory")
	if code != exitOK || mem.Memory.ParentFile != 0 || mem.States != disk.States || mem.Transitions != disk.Transitions {
		t.Errorf("--parents-in-memory: exit %d, %d bytes on disk, %d states (on disk: %d)", code, mem.Memory.ParentFile, mem.States, disk.States)
	}
	if left, err := os.ReadDir(dir); err != nil || len(left) > 0 {
		t.Errorf("parent directory after the run: %v %v", left, err)
	}
}

// Some shard of 4 finds today's stale read, its trace replays with
// 'check replay'; a shard that finds nothing exits 3, and no shard ever
// exits 0, even on a model without bugs.
func TestShardFindsTodaysBug(t *testing.T) {
	dir := t.TempDir()
	found := 0
	for i := 1; i <= 4; i++ {
		p := filepath.Join(dir, "today.json")
		os.Remove(p)
		shard := string(rune('0'+i)) + "/4"
		code, out, errs := runCLI(t, "run", "today", "--shard", shard, "--walks", "200", "--walk-depth", "200", "--quiet", "--trace-out", p)
		switch code {
		case exitViolation:
			found++
			if !strings.Contains(out, "VIOLATION of no-stale-read") || !strings.Contains(out, "replayed and confirmed") {
				t.Errorf("shard %s: output\n%s", shard, out)
			}
			if code, out, errs := runCLI(t, "replay", p); code != exitViolation || !strings.Contains(out, "as the trace says") {
				t.Errorf("shard %s: replay exit %d\n%s%s", shard, code, out, errs)
			}
		case exitIncomplete:
			if !strings.Contains(out, "INCOMPLETE (swarm shard "+shard) {
				t.Errorf("shard %s: output\n%s", shard, out)
			}
		default:
			t.Errorf("shard %s: exit %d\n%s%s", shard, code, out, errs)
		}
	}
	if found == 0 {
		t.Errorf("no shard of 4 found today's stale read")
	}
	code, r := runJSON(t, "run", "german", "--set", "nodes=2", "--shard", "2/2", "--seed", "9", "--walks", "50")
	if code != exitIncomplete || r.Result != "incomplete" || r.Swarm == nil || r.Swarm.Walks != 50 || r.Swarm.Seed != 9 || r.Swarm.Shard != 2 {
		t.Errorf("german swarm: exit %d, %+v", code, r.Swarm)
	}
}

func TestEngineFlagsBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--shard", "0/0"}, "at least one shard"},
		{[]string{"--shard", "3/2"}, "numbered 1 to 2"},
		{[]string{"--shard", "0/2"}, "numbered 1 to 2"},
		{[]string{"--shard", "two/four"}, "want i/n"},
		{[]string{"--shard", "1"}, "want i/n"},
		{[]string{"--shard", "1/"}, "want i/n"},
		{[]string{"--shard", "1/2", "--walks", "0"}, "at least 1"},
		{[]string{"--shard", "1/2", "--walk-depth", "-3"}, "at least 1"},
		{[]string{"--shard", "1/2", "--max-depth", "3"}, "does not apply to a swarm"},
		{[]string{"--shard", "1/2", "--full-state"}, "does not apply to a swarm"},
		{[]string{"--seed", "4"}, "needs --shard"},
		{[]string{"--walks", "4"}, "needs --shard"},
		{[]string{"--spill-threshold", "1m"}, "needs --spill-dir"},
		{[]string{"--spill-dir", "/nonexistent/dir"}, "spill directory"},
		{[]string{"--spill-dir", "/tmp", "--full-state"}, "do not go together"},
		{[]string{"--spill-dir", "/tmp", "--spill-threshold", "lots"}, "--spill-threshold"},
		{[]string{"--cpuprofile", "/nonexistent/dir/cpu.prof"}, "--cpuprofile"},
		{[]string{"--parent-dir", "/nonexistent/dir"}, "parent link directory"},
		{[]string{"--parent-dir", "/tmp", "--parents-in-memory"}, "contradict"},
		{[]string{"--shard", "1/2", "--parents-in-memory"}, "does not apply to a swarm"},
	} {
		args := append([]string{"run", "german", "--set", "nodes=2"}, tc.args...)
		code, out, errs := runCLI(t, args...)
		if code != exitUsage || !strings.Contains(errs, tc.want) || out != "" || strings.Contains(errs, "panic") {
			t.Errorf("check %v: exit %d, stdout %q, stderr %q; want exit 2 saying %q", args, code, out, errs, tc.want)
		}
	}
}

// --cpuprofile writes a profile go tool pprof can read, and does not change
// the verdict.
func TestCPUProfileIsWritten(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cpu.prof")
	code, _, errs := runCLI(t, "run", "german", "--set", "nodes=2", "--quiet", "--cpuprofile", p)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
		t.Errorf("profile %s: %v, %v; want a non-empty file", p, fi, err)
	}
}
