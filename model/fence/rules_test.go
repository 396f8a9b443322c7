package fence

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Unit tests of single kernel rules, on hand-built states.

func rulesModel(t *testing.T, c Config) *Model {
	t.Helper()
	if c.Importers == nil {
		c.Importers = []Importer{Writer, Reader}
	}
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// state returns the initial state with the given fences pending (slot →
// 32-bit seqno) and the given resv entries.
func state(m *Model, pending map[int]uint32, entries ...uint8) State {
	s := m.Init()[0]
	for f, seq := range pending {
		create(&s, f, seq)
	}
	copy(s.Resv[:], entries)
	return s
}

func TestUsageRW(t *testing.T) {
	// dma_resv_usage_rw(write) = write ? READ : WRITE.
	if UsageRW(true) != Read || UsageRW(false) != Write {
		t.Errorf("usage_rw(true)=%s usage_rw(false)=%s", UsageRW(true), UsageRW(false))
	}
	if !(Kernel < Write && Write < Read && Read < Bookkeep) {
		t.Errorf("usage order broken")
	}
}

func TestQueryReturnsEveryUsageUpToU(t *testing.T) {
	m := rulesModel(t, Config{})
	k, w, r, b := JobFence(0, 0), JobFence(0, 1), JobFence(1, 0), JobFence(1, 1)
	s := state(m, map[int]uint32{k: 1, w: 2, r: 1, b: 2},
		entryOf(b, Bookkeep), entryOf(r, Read), entryOf(w, Write), entryOf(k, Kernel))
	want := map[Usage]Mask{Kernel: 1 << k, Write: 1<<k | 1<<w, Read: 1<<k | 1<<w | 1<<r, Bookkeep: 1<<k | 1<<w | 1<<r | 1<<b}
	for u, mask := range want {
		if got := Query(&s, u); got != mask {
			t.Errorf("query %s = %08b, want %08b", u, got, mask)
		}
	}
	Signal(&s, w, ErrNone)
	if got := Query(&s, Write); got != 1<<k {
		t.Errorf("a signalled fence is still returned: %08b", got)
	}
	if TestSignaled(&s, Write) {
		t.Errorf("test_signaled(WRITE) with the KERNEL fence pending")
	}
	Signal(&s, k, ErrNone)
	if !TestSignaled(&s, Write) || TestSignaled(&s, Read) {
		t.Errorf("test_signaled: WRITE %v READ %v", TestSignaled(&s, Write), TestSignaled(&s, Read))
	}
}

func TestIsLaterWrapAround(t *testing.T) {
	cases := []struct {
		a, b        uint32
		wrap, naive bool
	}{
		{2, 1, true, true},
		{1, 1, false, false},
		{1, 2, false, false},
		{0, 0xffffffff, true, false}, // wrapped: 0 follows 0xffffffff
		{0xffffffff, 0, false, true}, // the naive comparison's bug
		{0x80000000, 0, false, true}, // half the range apart: (int) is negative
	}
	for _, c := range cases {
		if got := IsLater(c.a, c.b, Wrap32); got != c.wrap {
			t.Errorf("wrap32 is_later(%#x, %#x) = %v", c.a, c.b, got)
		}
		if got := IsLater(c.a, c.b, Naive); got != c.naive {
			t.Errorf("naive is_later(%#x, %#x) = %v", c.a, c.b, got)
		}
	}
}

func TestSeqnoStoredModFourIsReconstructed(t *testing.T) {
	m := rulesModel(t, Config{Importers: []Importer{with(Writer, func(im *Importer) { im.SeqnoBase = 0xffffffff })}})
	s := state(m, map[int]uint32{JobFence(0, 0): 0xffffffff, JobFence(0, 1): 0})
	if a, b := m.Seqno(&s, JobFence(0, 0)), m.Seqno(&s, JobFence(0, 1)); a != 0xffffffff || b != 0 {
		t.Errorf("seqnos %#x %#x", a, b)
	}
	if s.seqLow(JobFence(0, 0)) != 3 || s.seqLow(JobFence(0, 1)) != 0 {
		t.Errorf("stored seqnos are not the low two bits")
	}
}

// TestReplacementRule is dma_resv_add_fence's rule, case by case, under
// the three rule generations.
func TestReplacementRule(t *testing.T) {
	a0, a1, b0 := JobFence(0, 0), JobFence(0, 1), JobFence(1, 0)
	type rc struct {
		name              string
		old               int
		oldUsage          Usage
		oldSignaled       bool
		add               int
		usage             Usage
		r612, strict, pre bool
	}
	cases := []rc{
		{"later fence of the context, same usage", a0, Write, false, a1, Write, true, true, true},
		{"older fence of the context (imported sync_file)", a1, Write, false, a0, Write, false, false, true},
		{"the same fence again ('or same', 95ba893c9f4f)", a0, Write, false, a0, Write, true, false, true},
		{"the same fence promoted BOOKKEEP -> WRITE", a0, Bookkeep, false, a0, Write, true, false, true},
		{"never degraded: WRITE entry, later READ fence", a0, Write, false, a1, Read, false, false, false},
		{"never degraded: the same fence WRITE, then BOOKKEEP", a0, Write, false, a0, Bookkeep, false, false, false},
		{"other context, pending", b0, Write, false, a1, Write, false, false, false},
		{"other context, signalled", b0, Write, true, a1, Write, true, true, true},
		{"older fence over a signalled newer one", a1, Write, true, a0, Write, true, true, true},
	}
	for _, rule := range []ReplaceRule{Rule612, RuleStrictLater, RulePre2022} {
		m := rulesModel(t, Config{Rule: rule})
		for _, c := range cases {
			s := state(m, map[int]uint32{a0: 1, a1: 2, b0: 1})
			if c.oldSignaled {
				Signal(&s, c.old, ErrNone)
			}
			want := map[ReplaceRule]bool{Rule612: c.r612, RuleStrictLater: c.strict, RulePre2022: c.pre}[rule]
			if got := m.Replaces(&s, c.old, c.oldUsage, c.add, c.usage); got != want {
				t.Errorf("rule %s, %s: replaces = %v, want %v", rule, c.name, got, want)
			}
		}
	}
	// The wrap: the old fence 0xffffffff re-added after 0.
	for _, cmp := range []Compare{Wrap32, Naive} {
		m := rulesModel(t, Config{Compare: cmp, Importers: []Importer{with(Writer, func(im *Importer) { im.SeqnoBase = 0xffffffff })}})
		s := state(m, map[int]uint32{a0: 0xffffffff, a1: 0})
		if got := m.Replaces(&s, a1, Write, a0, Write); got != (cmp == Naive) {
			t.Errorf("%s: 0xffffffff replaces 0: %v", cmp, got)
		}
	}
}

func TestAddFenceReservation(t *testing.T) {
	m := rulesModel(t, Config{})
	a0, a1, b0 := JobFence(0, 0), JobFence(0, 1), JobFence(1, 0)
	s := state(m, map[int]uint32{a0: 1, a1: 2, b0: 1})
	reserved := 1
	m.AddFence(&s, a0, Write, &reserved) // append: consumes the slot
	m.AddFence(&s, a1, Write, &reserved) // replaces a0: no slot needed
	if reserved != 0 || s.Ghost != 0 || s.entries() != 1 || entryFence(s.Resv[0]) != a1 {
		t.Fatalf("reserved %d ghost %b resv %v", reserved, s.Ghost, s.Resv)
	}
	m.AddFence(&s, b0, Read, &reserved) // append without a slot: BUG_ON
	if s.Ghost&FlagNoReserve == 0 || s.entries() != 2 {
		t.Errorf("append without a reservation not flagged: %b", s.Ghost)
	}
	if s.Added[a0] != 1+uint8(Write) || s.Added[b0] != 1+uint8(Read) {
		t.Errorf("ghost record of published fences: %v", s.Added)
	}
	// Only the first matching entry is replaced.
	s = state(m, map[int]uint32{a0: 1, a1: 2, b0: 1}, entryOf(b0, Write), entryOf(a0, Write))
	Signal(&s, b0, ErrNone)
	Signal(&s, a0, ErrNone)
	reserved = 0
	m.AddFence(&s, a1, Write, &reserved)
	if s.Resv[0] != entryOf(a1, Write) || s.Resv[1] != entryOf(a0, Write) || s.Ghost != 0 {
		t.Errorf("resv %v ghost %b", s.Resv, s.Ghost)
	}
}

func TestExportSyncFile(t *testing.T) {
	m := rulesModel(t, Config{})
	w, r := JobFence(0, 0), JobFence(1, 0)
	s := state(m, nil)
	if got := ExportSyncFile(&s, false); got != 1<<FStub || !AllSignaled(&s, got) {
		t.Errorf("empty resv: %08b, want the signalled stub", got)
	}
	s = state(m, map[int]uint32{w: 1, r: 1}, entryOf(w, Write), entryOf(r, Read))
	// READ flag -> usage_rw(false) = WRITE fences (what EPOLLIN waits for).
	if got := ExportSyncFile(&s, false); got != 1<<w {
		t.Errorf("EXPORT(READ) = %08b, want the WRITE fence", got)
	}
	// WRITE flag -> usage_rw(true) = READ fences: a dma_fence_array of two.
	if got := ExportSyncFile(&s, true); got != 1<<w|1<<r {
		t.Errorf("EXPORT(WRITE) = %08b, want both", got)
	}
	snap := ExportSyncFile(&s, true)
	Signal(&s, w, ErrNone)
	if AllSignaled(&s, snap) {
		t.Errorf("the array is signalled with a member pending")
	}
	Signal(&s, r, ErrNone)
	if !AllSignaled(&s, snap) {
		t.Errorf("the array is not signalled with every member signalled")
	}
	// A snapshot: a fence added later is not in it.
	s2 := state(m, map[int]uint32{w: 1}, entryOf(w, Write))
	snap = ExportSyncFile(&s2, false)
	create(&s2, r, 1)
	s2.Resv[1] = entryOf(r, Write)
	if snap != 1<<w {
		t.Errorf("snapshot changed")
	}
}

func TestImportSyncFile(t *testing.T) {
	m := rulesModel(t, Config{SwSync: SwSync{Points: 2, User: UserIncrements}, SyncFile: SyncFile{Imports: 1}})
	p1, p2, w, r := FPoint, FPoint+1, JobFence(0, 0), JobFence(1, 0)
	s := state(m, map[int]uint32{p1: 1, w: 1, r: 1}, entryOf(r, Read))
	m.ImportSyncFile(&s, 1<<p1|1<<w, true) // an array: unwrapped, both leaves added
	f, u := s.ResvEntries()
	if len(f) != 3 || f[1] != w || f[2] != p1 || u[1] != Write || u[2] != Write || s.Ghost != 0 {
		t.Errorf("IMPORT(WRITE): resv %v %v ghost %b", f, u, s.Ghost)
	}
	// Two points of one timeline: the later leaf replaces the earlier.
	s2 := state(m, map[int]uint32{p1: 1, p2: 2})
	m.ImportSyncFile(&s2, 1<<p1|1<<p2, true)
	if f, _ := s2.ResvEntries(); len(f) != 1 || f[0] != p2 || s2.Ghost != 0 {
		t.Errorf("IMPORT of two points of a context: resv %v ghost %b", f, s2.Ghost)
	}
	if TestSignaled(&s, Write) {
		t.Errorf("an imported WRITE fence does not make readers wait")
	}
	s = state(m, map[int]uint32{p1: 1})
	m.ImportSyncFile(&s, 1<<p1, false)
	if f, u := s.ResvEntries(); len(f) != 1 || u[0] != Read || !TestSignaled(&s, Write) || TestSignaled(&s, Read) {
		t.Errorf("IMPORT(READ): %v %v", f, u)
	}
}

func TestSwSync(t *testing.T) {
	m := rulesModel(t, Config{SwSync: SwSync{Points: 2, User: UserIncrements}, SyncFile: SyncFile{Imports: 1}})
	s := m.Init()[0]
	m.SwSyncCreate(&s, 0)
	m.SwSyncCreate(&s, 1)
	if !s.pending(FPoint) || !s.pending(FPoint+1) {
		t.Fatalf("points not pending")
	}
	m.SwSyncInc(&s) // value 1: signals point 1 only
	if !s.signaled(FPoint) || !s.pending(FPoint+1) || s.fenceErr(FPoint) != ErrNone {
		t.Errorf("INC(1): %08b %08b", s.Fence[FPoint], s.Fence[FPoint+1])
	}
	SwSyncClose(&s) // pending points: -ENOENT; signalled ones untouched
	if !s.signaled(FPoint+1) || s.fenceErr(FPoint+1) != ErrNoEnt || s.fenceErr(FPoint) != ErrNone {
		t.Errorf("close: errors %d %d", s.fenceErr(FPoint), s.fenceErr(FPoint+1))
	}
	// A point created at a value the timeline has reached is signalled.
	s = m.Init()[0]
	m.SwSyncInc(&s)
	m.SwSyncCreate(&s, 0)
	if !s.signaled(FPoint) {
		t.Errorf("point at value 1 after INC(1) is not signalled")
	}
}

func TestPollReadiness(t *testing.T) {
	m := rulesModel(t, Config{})
	w, r := JobFence(0, 0), JobFence(1, 0)
	s := state(m, map[int]uint32{r: 1}, entryOf(r, Read))
	if in, out := PollReady(&s); !in || out {
		t.Errorf("READ pending: EPOLLIN %v EPOLLOUT %v, want true false", in, out)
	}
	s = state(m, map[int]uint32{w: 1}, entryOf(w, Write))
	if in, out := PollReady(&s); in || out {
		t.Errorf("WRITE pending: EPOLLIN %v EPOLLOUT %v", in, out)
	}
	Signal(&s, w, ErrNone)
	if in, out := PollReady(&s); !in || !out {
		t.Errorf("all signalled: EPOLLIN %v EPOLLOUT %v", in, out)
	}
	// Not ready: the callback goes on the first pending WRITE fence, and
	// its signal wakes the poller.
	s = state(m, map[int]uint32{w: 1}, entryOf(w, Write))
	m.poll(&s)
	if s.Poll&pollPhase != PollArmed || int(s.Poll&pollFence>>pollShift) != w || s.Fence[w]&FenceEnabled == 0 {
		t.Fatalf("poll state %08b", s.Poll)
	}
	Signal(&s, w, ErrNone)
	if s.Poll&pollPhase != PollWoken {
		t.Errorf("dma_buf_poll_cb did not run inside the signal")
	}
	m.poll(&s)
	if s.Poll&pollPhase != PollDone {
		t.Errorf("re-poll after the write: %08b", s.Poll)
	}
}

func TestSignalRunsCallbacksOnce(t *testing.T) {
	m := rulesModel(t, Config{})
	w := JobFence(0, 0)
	s := state(m, map[int]uint32{w: 1})
	if !AddCallback(&s, w) || s.Fence[w]&FenceEnabled == 0 {
		t.Errorf("dma_fence_add_callback on a pending fence must enable signalling")
	}
	s.Deps[1][0] = 1 << w
	Signal(&s, w, ErrNone)
	if s.Deps[1][0] != 0 {
		t.Errorf("the dependency callback did not run")
	}
	before := s
	Signal(&s, w, ErrTime) // a second signal: -EINVAL, nothing changes
	if s != before {
		t.Errorf("a second dma_fence_signal changed the fence")
	}
	if AddCallback(&s, w) {
		t.Errorf("dma_fence_add_callback on a signalled fence must fail (-ENOENT)")
	}
}

// TestMonitor: Step flags a step that changes a signalled fence's error.
func TestMonitor(t *testing.T) {
	sc, _ := ScenarioByName("timeout-error-after-signal")
	m := rulesModel(t, sc.Config)
	s := m.Init()[0]
	for _, label := range []string{"SW_SYNC_IOC_CREATE_FENCE(value 1)", "DMA_BUF_IOCTL_IMPORT_SYNC_FILE(WRITE)",
		"gpu0: submit write job (deps READ; dma_resv_add_fence(WRITE))", "gpu0: job timeout: dma_fence_signal",
		"gpu0: dma_fence_set_error(-ETIME) after dma_fence_signal"} {
		if s.Ghost != 0 {
			t.Fatalf("flag %b before %q", s.Ghost, label)
		}
		s = m.Step(&s, action(t, m, label))
	}
	if s.Ghost != FlagMonotonicity {
		t.Errorf("ghost %b, want the monotonicity flag", s.Ghost)
	}
}

func action(t *testing.T, m *Model, label string) statespace.Action {
	t.Helper()
	for i, n := range m.ActionNames() {
		if n == label {
			return statespace.Action(i)
		}
	}
	t.Fatalf("no action %q in %v", label, m.ActionNames())
	return 0
}
