package world

import (
	"errors"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// The textual forms of calls and expressions are what scenario files are
// written in; these fuzz targets feed them arbitrary text (docs/fuzzing.md).

// fuzzSpec is the world the fuzzed texts are parsed against: two lines,
// three devices (a non-coherent one, a coherent one, a dynamic one with its
// own cache), an agent that makes CPU calls and has a label, and a driver.
func fuzzSpec() Spec {
	e, _ := ExporterPreset("system-heap")
	return Spec{
		Name: "fuzz", Arch: ARM64, Backing: SystemCached, Lines: 2, Writes: 2,
		Exporter: e,
		Devices:  []Device{{Name: "isp"}, {Name: "gpu", Coherent: true}, {Name: "dyn", Dynamic: true, OwnCache: true}},
		Agents: []Agent{
			{Name: "app", Program: Seq{Label{Name: "top"}, BeginCPUAccess(SyncWrite), Call{Kind: KCPUWrite}, EndCPUAccess(SyncWrite)}},
			{Name: "drv", Program: Seq{Call{Kind: KAttach}, Label{Name: "attached"}, Call{Kind: KMap, Dir: 1}}},
		},
	}
}

// argSamples are texts for each argument form: valid ones for fuzzSpec
// first, then near misses.
var argSamples = map[string][]string{
	"DEVICE":        {"isp", "gpu", "dyn", "ips", "display", ""},
	"LINE":          {"0", "1", "2", "-1", "0x1", "99999999999999999999"},
	"READ|WRITE|RW": {"READ", "WRITE", "RW", "read", "0"},
	"DMA_DIR":       {"DMA_TO_DEVICE", "DMA_FROM_DEVICE", "DMA_BIDIRECTIONAL", "TO_DEVICE", "DMA_NONE", "TO_CPU"},
	"AGENT":         {"app", "drv", "apps", "cpu-cache"},
	"LABEL":         {"top", "attached", "nowhere"},
	"FLAG":          {"stale-read", "lost-write", "begin/end-unpaired", "stale_read"},
}

// instances renders a form's arguments with the i-th sample of each.
func instances(name string, forms []string) []string {
	out := []string{name + "(" + strings.Join(forms, ", ") + ")"}
	for i := 0; i < 6; i++ {
		var args []string
		for _, f := range forms {
			s := argSamples[f]
			if len(s) == 0 {
				s = []string{f}
			}
			args = append(args, s[i%len(s)])
		}
		out = append(out, name+"("+strings.Join(args, ", ")+")")
	}
	return out
}

// checkSyntaxError: an error of a parser is a *SyntaxError whose offset
// lies in the text (len(text): at its end).
func checkSyntaxError(t *testing.T, text string, err error) {
	t.Helper()
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("%q: error %v (%T) is not a *SyntaxError", text, err, err)
	}
	if se.Offset < 0 || se.Offset > len(text) {
		t.Fatalf("%q: error %q at offset %d, outside the text (%d bytes)", text, se.Msg, se.Offset, len(text))
	}
	if se.Msg == "" {
		t.Fatalf("%q: an error without a message", text)
	}
}

// smallCheck builds s and explores at most a few hundred states: whatever
// a parser accepts must build or be refused by Build, and run without
// panicking.
func smallCheck(t *testing.T, s Spec) {
	t.Helper()
	m, err := Build(s)
	if err != nil {
		return
	}
	if _, err := Check(m, statespace.Options{Workers: 1, MaxStates: 300}); err != nil {
		t.Fatalf("check: %v", err)
	}
}

// FuzzParseCall feeds arbitrary text to ParseCall: it returns a call or a
// *SyntaxError with an offset in the text, never panics; a call it accepts
// renders with CallText to a text that parses back to the same call, and a
// program of that call builds and runs.
func FuzzParseCall(f *testing.F) {
	for _, sx := range syntaxes() {
		var forms []string
		if sx.Lead != "" {
			forms = append(forms, sx.Lead)
		}
		for _, a := range sx.Args {
			forms = append(forms, a.Form)
		}
		for _, s := range instances(sx.Name, forms) {
			f.Add(s)
		}
		// Arguments left out or added, and broken brackets.
		f.Add(sx.Name + "()")
		f.Add(sx.Name)
		f.Add(sx.Name + "(isp, 0, 0)")
		f.Add(sx.Name + "(isp")
		f.Add(" " + sx.Name + " ( isp , 1 ) ")
	}
	for _, s := range []string{"", "()", "(", ")", "f(,)", "cpu_read(0,)", "cpu_read(,0)", "cpu_read((0))", "cpu read(0)",
		"DMA_BUF_IOCTL_SYNC(0x8)", "DMA_BUF_IOCTL_SYNC(START)", "DMA_BUF_IOCTL_SYNC(0)", "DMA_BUF_IOCTL_SYNC(0xff)", "DMA_BUF_IOCTL_SYNC(0x100)",
		"DMA_BUF_IOCTL_SYNC(MIDDLE, READ)", "DMA_BUF_IOCTL_SYNC(START, READ, WRITE)", "dma_buf_atach(isp)", "cpu_read(0))", "cpu_read(0)x)",
		"cpu_read(\t1\t)", "cpu_read(1)\n", "é(0)", "cpu_read(é)"} {
		f.Add(s)
	}
	spec := fuzzSpec()
	f.Fuzz(func(t *testing.T, text string) {
		c, err := ParseCall(text, &spec)
		if err != nil {
			checkSyntaxError(t, text, err)
			return
		}
		back, err := CallText(c, &spec)
		if err != nil {
			t.Fatalf("%q parsed to %+v, which has no text: %v", text, c, err)
		}
		c2, err := ParseCall(back, &spec)
		if err != nil {
			t.Fatalf("%q parsed to %+v, rendered as %q, which does not parse: %v", text, c, back, err)
		}
		if c2 != c {
			t.Fatalf("%q parsed to %+v, rendered as %q, which parses to %+v", text, c, back, c2)
		}
		s := spec
		s.Agents = append(append([]Agent(nil), spec.Agents...), Agent{Name: "caller", Program: Seq{c, c}})
		smallCheck(t, s)
	})
}

// FuzzParseExpr feeds arbitrary text to ParseExpr: it returns an
// expression or a *SyntaxError with an offset in the text, never panics;
// an expression it accepts has a text that parses back to an expression
// with the same text, and a world with it as a guard and an invariant
// builds (or Build refuses it with an error) and runs.
func FuzzParseExpr(f *testing.F) {
	for _, a := range atoms() {
		var forms []string
		for _, x := range a.Args {
			forms = append(forms, x.Form)
		}
		if len(forms) == 0 {
			f.Add(a.Name)
			f.Add(a.Name + "()")
			f.Add("!" + a.Name)
			continue
		}
		for _, s := range instances(a.Name, forms) {
			f.Add(s)
			f.Add("!" + s + " && " + s)
		}
		f.Add(a.Name)
		f.Add(a.Name + "(")
		f.Add(a.Name + "(app")
	}
	for _, s := range []string{"", "1", "0", "007", "99999999999999999999", "1-2", "(", ")", "()", "!", "!!live", "live &&", "|| live",
		"live && (released || !live)", "mem(0) == latest(0)", "writes >= 2 && mem(1) < 3", "(mem(0) == 1) == (mem(1) == 1)",
		"mem(0) == ((1 == mem(1)) == 1)", "(live || released) == 1", "live || released == 1", "mem(0) != 1 != 0",
		"at(app, top) || done(drv)", "inside(app, WRITE) && may_read(app)", "idle(drv)", "violated(stale-read)",
		"attached(isp) & mapped(isp)", "live | released", "live = 1", "mem(0) <> 1", "a(b(c))", "attached(isp,)", "attached(,isp)",
		"attached isp", "live\t&&\tlive", "live\n", "é"} {
		f.Add(s)
	}
	spec := fuzzSpec()
	f.Fuzz(func(t *testing.T, text string) {
		e, err := ParseExpr(text, &spec)
		if err != nil {
			checkSyntaxError(t, text, err)
			return
		}
		if e.f == nil {
			t.Fatalf("%q parsed to an expression without a function", text)
		}
		e2, err := ParseExpr(e.Text, &spec)
		if err != nil {
			t.Fatalf("%q parsed to %q, which does not parse: %v", text, e.Text, err)
		}
		if e2.Text != e.Text {
			t.Fatalf("%q parsed to %q, which parses to %q", text, e.Text, e2.Text)
		}
		s := spec
		s.Agents = append(append([]Agent(nil), spec.Agents...), Agent{Name: "guarded", Program: When{Cond: e, Body: Call{Kind: KRelease}}})
		s.Invariants = []Invariant{{Name: "fuzzed", Expr: e}}
		smallCheck(t, s)
	})
}

// TestRawSyncFlagsAreTheIoctlsCall: DMA_BUF_IOCTL_SYNC given a number is
// the call the ioctl makes with those flags (found while seeding the fuzz
// targets: 0x1 was taken for invalid flags, but it is START|READ).
func TestRawSyncFlagsAreTheIoctlsCall(t *testing.T) {
	spec := fuzzSpec()
	for text, want := range map[string]Call{
		"DMA_BUF_IOCTL_SYNC(0x1)":   SyncStart(SyncRead),
		"DMA_BUF_IOCTL_SYNC(6)":     SyncEnd(SyncWrite),
		"DMA_BUF_IOCTL_SYNC(0)":     SyncInvalid(0),
		"DMA_BUF_IOCTL_SYNC(4)":     SyncInvalid(0),
		"DMA_BUF_IOCTL_SYNC(0x8)":   SyncInvalid(8),
		"DMA_BUF_IOCTL_SYNC(0x101)": SyncInvalid(8),
	} {
		c, err := ParseCall(text, &spec)
		if err != nil || c != want {
			t.Errorf("%s: got %+v, %v; want %+v", text, c, err, want)
		}
	}
}
