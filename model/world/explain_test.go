package world_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/scenario"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/traces"
)

// explainSteps takes in m, from its initial state, the enabled action
// that match[i] accepts at step i+1 (exactly one must), and returns m's
// explanation of that trace for property.
func explainSteps(m *world.Model, property string, match []func(name string) bool) (statespace.Explanation, error) {
	switch n := m.Size(); {
	case n <= 16:
		return explainStepsAs[[16]byte](m, property, match)
	case n <= 32:
		return explainStepsAs[[32]byte](m, property, match)
	case n <= 48:
		return explainStepsAs[[48]byte](m, property, match)
	case n <= 64:
		return explainStepsAs[[64]byte](m, property, match)
	case n <= 96:
		return explainStepsAs[[96]byte](m, property, match)
	}
	return explainStepsAs[[128]byte](m, property, match)
}

func explainStepsAs[S world.Bytes](m *world.Model, property string, match []func(name string) bool) (statespace.Explanation, error) {
	var e statespace.Explanation
	w, err := world.As[S](m)
	if err != nil {
		return e, err
	}
	names := w.ActionNames()
	s := w.Init()[0]
	path := []S{s}
	var acts []statespace.Action
	for i, ok := range match {
		var found []statespace.Action
		var enabled []string
		for _, a := range w.Actions(&s, nil) {
			enabled = append(enabled, names[a])
			if ok(names[a]) {
				found = append(found, a)
			}
		}
		if len(found) != 1 {
			return e, fmt.Errorf("step %d: %d enabled world actions match (enabled: %q)", i+1, len(found), enabled)
		}
		s = w.Step(&s, found[0])
		path = append(path, s)
		acts = append(acts, found[0])
	}
	return w.Explain(property, path, acts), nil
}

// named matches the action with that name.
func named(name string) func(string) bool { return func(n string) bool { return n == name } }

// TestWorldExplainsItsOwnCounterexamples pins the accounts of the world's
// own shortest counterexamples for built-ins that cover every cache
// property. Where the earlier cache model's search found the same trace
// it told the same account (today, gem-noncoherent,
// dynamic-ignores-move-notify, release-while-attached,
// end-without-begin); the world names an importer's sync folded into an
// atomic step as the call that misused the DMA API, and tells a newer
// write overwritten in memory by a stale write-back as such (the earlier
// account said it "was only in memory").
func TestWorldExplainsItsOwnCounterexamples(t *testing.T) {
	for _, c := range []struct {
		scenario, property string
		want               string
	}{
		{"today", world.NoStaleRead, "at step 8 the CPU read version 0 of line 0 from its cache, but the latest is version 1, written by the isp at step 6; " +
			"the CPU's copy became stale at step 5 (cache_prefetch(line 0)) and was not invalidated after the isp's write."},
		{"gem-noncoherent", world.NoStaleRead, "at step 7 the isp's DMA read version 0 of line 0 from memory, but the latest is version 1, written by the CPU at step 5; " +
			"version 1 was only in a dirty line of the CPU's cache (memory held version 0)."},
		{"arm32-map-from-device", world.NoLostWrite, "at step 6, DMA_BUF_IOCTL_SYNC(END|WRITE) discarded version 1 of line 0, written by the CPU at step 5: " +
			"version 1 was only in a dirty line of the CPU's cache (memory held version 0); afterwards the newest copy anywhere is version 0."},
		{"dynamic-ignores-move-notify", world.MappingDiscipline, "at step 4 the dyn-gpu started a DMA job through its mapping, but dma_buf_move_notify at step 3 " +
			"had invalidated it (the buffer moved) and the importer did not map it again."},
		{"release-while-attached", world.NoUseAfterFree, "at step 2 the last dma_buf_put released the buffer while the gpu (attached at step 1) still holds an attachment to it."},
		{"detach-with-job-in-flight", world.NoUseAfterFree, "at step 4 the gpu's driver detached while its DMA job (started at step 3) still runs: " +
			"the job's DMA goes on into a freed mapping."},
		{"msm-sync-unmapped-direct", world.DMAAPIDiscipline, "at step 3 (dma_sync_sgtable_for_device(gpu)) the gpu's driver synced an sg table that is not dma_map'ed (dma-debug warns)."},
		{"msm-sync-unmapped-iommu", world.DMAAPIDiscipline, "at step 3 (dma_sync_sgtable_for_device(gpu)) the gpu's driver synced an sg table that is not dma_map'ed (dma-debug warns)."},
		{"msm-sync-unmapped-direct", world.NoLostWrite, "at step 9, cache_writeback(line 0) overwrote version 2 of line 0 in memory, written by the msm-gpu at step 8, with the older version 1; afterwards the newest copy anywhere is version 1."},
		{"gem-noncoherent", world.NoLostWrite, "at step 9, cache_writeback(line 0) overwrote version 2 of line 0 in memory, written by the isp at step 8, with the older version 1; afterwards the newest copy anywhere is version 1."},
		{"x86-gem-noncoherent", world.NoLostWrite, "at step 9, cache_writeback(line 0) overwrote version 2 of line 0 in memory, written by the isp at step 8, with the older version 1; afterwards the newest copy anywhere is version 1."},
		{"race-cpu-and-device", world.NoLostWrite, "at step 8, DMA_BUF_IOCTL_SYNC(END|RW) overwrote version 2 of line 0 in memory, written by the isp at step 7, with the older version 1; afterwards the newest copy anywhere is version 1."},
		{"end-without-begin", world.BeginEndPairing, "at step 1, DMA_BUF_IOCTL_SYNC(END|READ) came without a START before it."},
	} {
		t.Run(c.scenario+"/"+c.property, func(t *testing.T) {
			m := builtin(t, c.scenario)
			opt := statespace.Options{Only: []string{c.property}}
			r, err := world.Check(m, opt)
			if err != nil {
				t.Fatal(err)
			}
			if r.Violation == nil {
				t.Fatalf("%s holds in the world", c.property)
			}
			if got := r.Violation.Trace.Explanation; got != c.want {
				t.Errorf("world:\n got %q\nwant %q", got, c.want)
			}
		})
	}
}

// TestExplainToday pins the step notes of the world's "today"
// counterexample: what the reads returned and the isp's fence signalled
// to the CPU waiting in begin_cpu_access.
func TestExplainToday(t *testing.T) {
	m := builtin(t, "today")
	r, err := world.Check(m, statespace.Options{Only: []string{world.NoStaleRead}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, st := range r.Violation.Trace.Steps {
		line := fmt.Sprintf("%d %s", i, st.Label)
		if st.Observed != "" {
			line += " (" + st.Observed + ")"
		}
		for _, msg := range st.Messages {
			line += fmt.Sprintf(" [%s -> %s: %s]", msg.From, msg.To, msg.Text)
		}
		got = append(got, line)
	}
	want := []string{
		"0 ",
		"1 isp: dma_buf_attach(isp)",
		"2 isp: dma_buf_map_attachment(isp, DMA_FROM_DEVICE)",
		"3 isp: DMA write job (line 0)",
		"4 cpu: DMA_BUF_IOCTL_SYNC(START|RW)",
		"5 cpu-cache: cache_prefetch(line 0)",
		"6 isp: job done, fence signalled [isp -> cpu: fence signalled (the CPU waits for it in begin_cpu_access)]",
		"7 cpu: dma_resv_wait_timeout(DMA_RESV_USAGE_READ) in begin_cpu_access(RW) [isp -> cpu: wait returns: fence signalled at step 6]",
		"8 cpu: cpu_read(line 0) (the CPU read v0 of line 0 from its cache)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// scanoutWorld is the world of docs/examples/world/scanout-unbracketed.yaml,
// as the file reader builds it, with an invariant: the app fills the
// buffer through the mmap without DMA_BUF_IOCTL_SYNC and the
// non-coherent display scans it out.
func scanoutWorld(t *testing.T) world.Spec {
	t.Helper()
	exp, _ := world.ExporterPreset("system-heap")
	s := world.Spec{Name: "scanout-unbracketed", Arch: world.ARM64, Lines: 1, Writes: 1,
		Devices: []world.Device{{Name: "display"}}, Exporter: exp,
		Agents: []world.Agent{{Name: "app"}, {Name: "display"}}}
	expr := func(text string) world.Expr {
		e, err := world.ParseExpr(text, &s)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		return e
	}
	s.Agents = []world.Agent{
		{Name: "app", Program: world.Seq{world.CPUWrite(0)}},
		{Name: "display", Program: world.Seq{world.Attach(0), world.Map(0, world.DirTo),
			world.When{Cond: expr("done(app)"), Body: world.JobRead(0, 0)}, world.JobDone(0)}},
	}
	s.Invariants = []world.Invariant{
		{Name: "writes-reach-memory", Expr: expr("live && (writes == 0 || mem(0) == latest(0))")},
		{Name: "display-attached-once-written", Expr: expr("writes == 0 || attached(display)")},
	}
	return s
}

// TestExplainNamesTheWorldsAgentsAndInvariants checks the accounts of a
// world with named agents (the CPU agent "app") and its invariants.
func TestExplainNamesTheWorldsAgentsAndInvariants(t *testing.T) {
	m, err := world.Build(scanoutWorld(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ property, want string }{
		{world.NoStaleRead, "at step 4 the display's DMA read version 0 of line 0 from memory, but the latest is version 1, written by the CPU (app) at step 3; " +
			"version 1 was only in a dirty line of the CPU's cache (memory held version 0)."},
		{world.BeginEndPairing, "at step 1 the CPU (app) wrote line 0 through the mmap outside a DMA_BUF_IOCTL_SYNC START/END bracket."},
		{"writes-reach-memory", `at step 1 (app: cpu_write(line 0)) the invariant writes-reach-memory, "live && ((writes == 0) || (mem(0) == latest(0)))", ` +
			`became false: "(writes == 0) || (mem(0) == latest(0))" no longer holds.`},
		{"display-attached-once-written", `at step 1 (app: cpu_write(line 0)) the invariant display-attached-once-written, "(writes == 0) || attached(display)", became false.`},
	} {
		r, err := world.Check(m, statespace.Options{Only: []string{c.property}})
		if err != nil {
			t.Fatal(err)
		}
		if r.Violation == nil {
			t.Errorf("%s holds", c.property)
			continue
		}
		if got := r.Violation.Trace.Explanation; got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.property, got, c.want)
		}
	}
}

// TestExplainSendsFencesToTheWaitingAgent checks the messages of a named
// agent waiting in begin_cpu_access for a capture device's write job.
func TestExplainSendsFencesToTheWaitingAgent(t *testing.T) {
	exp, _ := world.ExporterPreset("system-heap")
	s := world.Spec{Name: "capture", Arch: world.ARM64, Lines: 1, Writes: 1,
		Devices: []world.Device{{Name: "capture"}}, Exporter: exp,
		Agents: []world.Agent{
			{Name: "camera", Program: world.Seq{world.Attach(0), world.Map(0, world.DirFrom), world.JobWrite(0, 0), world.JobDone(0)}},
			{Name: "app", Program: world.Seq{world.SyncStart(world.SyncRead), world.CPURead(0), world.SyncEnd(world.SyncRead)}},
		}}
	m, err := world.Build(s)
	if err != nil {
		t.Fatal(err)
	}
	e, err := explainSteps(m, world.NoStaleRead, []func(string) bool{
		named("camera: dma_buf_attach(capture)"),
		named("camera: dma_buf_map_attachment(capture, DMA_FROM_DEVICE)"),
		named("camera: capture: DMA write job (line 0)"),
		named("app: DMA_BUF_IOCTL_SYNC(START|READ)"),
		named("camera: capture: job done, fence signalled"),
		named("app: dma_resv_wait_timeout(DMA_RESV_USAGE_WRITE) in begin_cpu_access(READ)"),
		named("app: cpu_read(line 0)"),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []statespace.StepNote{5: {Messages: []statespace.Message{{From: "camera", To: "app", Text: "fence signalled (app waits for it in begin_cpu_access)"}}},
		6: {Messages: []statespace.Message{{From: "camera", To: "app", Text: "wait returns: fence signalled at step 5"}}},
		7: {Observed: "the CPU (app) read v1 of line 0 from memory"}}
	if e.Violation != "" || !reflect.DeepEqual(e.Steps, want) {
		t.Errorf("got %q %+v\nwant %+v", e.Violation, e.Steps, want)
	}
}

// TestExplainMisusesOnlyAWorldProgramMakes checks the accounts of misuses
// the earlier model's actors could not make: a read inside a bracket
// begun for writing, a call on the buffer after its release, and the
// release inside a named agent's bracket.
func TestExplainMisusesOnlyAWorldProgramMakes(t *testing.T) {
	exp, _ := world.ExporterPreset("system-heap")
	app := world.Agent{Name: "app", Program: world.Seq{world.SyncStart(world.SyncWrite), world.CPURead(0), world.SyncEnd(world.SyncWrite)}}
	owner := world.Agent{Name: "owner", Program: world.Seq{world.Release()}}
	for _, c := range []struct {
		agents         []world.Agent
		property, want string
	}{
		{[]world.Agent{app}, world.BeginEndPairing, "at step 3 the CPU (app) read line 0 through the mmap inside a bracket that does not allow it " +
			"(begun at step 1: DMA_BUF_IOCTL_SYNC(START|WRITE))."},
		{[]world.Agent{app, owner}, world.BeginEndPairing, "at step 2 the last dma_buf_put released the buffer inside the CPU (app)'s access bracket (begun at step 1)."},
		{[]world.Agent{app, owner}, world.NoUseAfterFree, "at step 2 app called DMA_BUF_IOCTL_SYNC(START|WRITE) on the buffer the last dma_buf_put released at step 1."},
	} {
		m, err := world.Build(world.Spec{Name: "misuses", Arch: world.ARM64, Lines: 1, Writes: 1, Exporter: exp, Agents: c.agents})
		if err != nil {
			t.Fatal(err)
		}
		r, err := world.Check(m, statespace.Options{Only: []string{c.property}})
		if err != nil {
			t.Fatal(err)
		}
		if r.Violation == nil {
			t.Errorf("%s holds", c.property)
			continue
		}
		if got := r.Violation.Trace.Explanation; got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.property, got, c.want)
		}
	}
}

// TestExplainScenarioFiles pins the world's account of the shortest
// counterexample of each property of the fence, lock, vm and p2p families
// on a world file that violates it (testdata/explain; -rewrite accepts a
// deliberate change): "explain file=F property=P [set=k=v...]" prints the
// closing account as traces render it, then what each step saw and the
// messages between agents; every account must name its rule, not fall
// back to the generic "violated by step n, which sets ...". "steps
// file=F property=P" prints the steps of a reachability property's
// example with what they saw and the messages between agents (a fence
// signalled to its waiter, the wait it ends, a ring's message from its
// sender to its receiver).
func TestExplainScenarioFiles(t *testing.T) {
	datadriven.Walk(t, "testdata/explain", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			var file, property string
			var settings []string
			for _, a := range d.CmdArgs {
				switch a.Key {
				case "file":
					file = a.Vals[0]
				case "property":
					property = a.Vals[0]
				case "set":
					settings = append(settings, a.Vals...)
				default:
					t.Fatalf("%s: unknown argument %q", d.Pos, a.Key)
				}
			}
			b, err := os.ReadFile(filepath.Join("..", "..", file))
			if err != nil {
				t.Fatal(err)
			}
			sc, v, _, err := scenario.ParseFileWith(scenario.Builtin(), file, b, settings)
			if err != nil {
				t.Fatal(err)
			}
			r, err := sc.Check(v, statespace.Options{Workers: 1, Only: []string{property}})
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			switch d.Cmd {
			case "explain":
				if r.Violation == nil || r.Violation.Property != property {
					t.Fatalf("%s: %s is not violated", d.Pos, property)
				}
				doc, err := traces.FromViolation(sc.Name, v.Map(), r.Violation)
				if err != nil {
					t.Fatal(err)
				}
				if doc.Explanation == "" {
					t.Errorf("%s: %s has only the generic account: %s", d.Pos, property, doc.Explain())
				}
				out.WriteString(doc.Explain() + "\n")
				for _, st := range doc.Steps {
					if st.Observed != "" {
						fmt.Fprintf(&out, "step %d saw: %s\n", st.Index, st.Observed)
					}
					for _, m := range st.Messages {
						fmt.Fprintf(&out, "step %d: %s -> %s: %s\n", st.Index, m.From, m.To, m.Text)
					}
				}
			case "steps":
				tr := example(t, sc, v, r, property)
				for i, st := range tr.Steps[1:] {
					fmt.Fprintf(&out, "%d %s\n", i+1, st.Label)
					if st.Observed != "" {
						fmt.Fprintf(&out, "  saw: %s\n", st.Observed)
					}
					for _, m := range st.Messages {
						fmt.Fprintf(&out, "  %s -> %s: %s\n", m.From, m.To, m.Text)
					}
				}
			default:
				t.Fatalf("%s: unknown directive %q", d.Pos, d.Cmd)
			}
			return out.String()
		})
	})
}

// example replays the example r found for a reachability property, so
// that the world annotates its steps.
func example(t *testing.T, sc *scenario.Scenario, v scenario.Values, r *statespace.Result, property string) *statespace.Trace {
	t.Helper()
	for _, p := range r.Properties {
		if p.Name != property || p.Verdict != "reached" || p.Trace == nil {
			continue
		}
		var steps []statespace.ReplayStep
		for _, s := range p.Trace.Steps {
			steps = append(steps, statespace.ReplayStep{Action: s.Action, Label: s.Label, Fingerprint: s.Fingerprint})
		}
		tr, err := sc.Replay(v, p.Trace.InitIndex, steps, property, p.Trace.Loop)
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	t.Fatalf("%s is not reached", property)
	return nil
}

// familyProperty reports whether property is one of the fence, lock, vm
// or p2p families' (or a deadlock, which their waits explain).
func familyProperty(property string) bool {
	switch property {
	case world.FenceMonotonicity, world.ResvIdleMeansIdle, world.ResvKeepsNewest, world.NoJobAfterMove, world.AddFenceNeedsReserve,
		world.LockdepFenceSignalling, world.NoKernelAPIMisuse, world.NoFenceOnIndefinite, world.EveryFenceEventuallySignalled,
		world.VMNoUseAfterFree, world.VMNoStaleRead, world.VMNoDeadlock,
		world.P2PRoutable, world.P2PNoDropped, world.P2PNoStaleRead, world.P2PFallback, world.P2PBAROnlyToP2P,
		world.NoObjectUseAfterFree, world.NoLeakedObject,
		statespace.DeadlockProperty:
		return true
	}
	for _, prefix := range []string{world.FencesEventuallySignal, world.VMRemoteOpAcked, world.VMProxySignals} {
		if strings.HasPrefix(property, prefix+"/") {
			return true
		}
	}
	return false
}

// TestEveryViolationOfTheFamiliesIsExplained checks every world file the
// project ships (the built-ins and the examples): each property of the
// fence, lock, vm and p2p families that a file expects violated has the
// world's own account, not the generic one.
func TestEveryViolationOfTheFamiliesIsExplained(t *testing.T) {
	var files []string
	for _, dir := range []string{"../../scenarios", "../../docs/examples/world"} {
		m, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	explained := 0
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sc, v, opt, err := scenario.ParseFile(scenario.Builtin(), path, b)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range opt.Expect {
			if e.Verdict != "violated" || !familyProperty(e.Property) {
				continue
			}
			r, err := sc.Check(v, statespace.Options{Workers: 1, Only: []string{e.Property}})
			if err != nil {
				t.Fatal(err)
			}
			if r.Violation == nil || r.Violation.Trace == nil {
				t.Errorf("%s: %s is not violated", path, e.Property)
				continue
			}
			if r.Violation.Trace.Explanation == "" {
				t.Errorf("%s: %s has no account of its own", path, e.Property)
			}
			explained++
		}
	}
	t.Logf("%d violations explained", explained)
	if explained < 60 {
		t.Errorf("only %d violations explained: the check covers too little", explained)
	}
}
