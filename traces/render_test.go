package traces_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dmabufcheck/dmabufcheck/scenario"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/traces"
)

// document checks a built-in scenario with settings and returns its
// counterexample's document.
func document(t *testing.T, name string, settings []string) *traces.Document {
	t.Helper()
	sc, err := scenario.Builtin().Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	v, err := sc.Parse(settings)
	if err != nil {
		t.Fatal(err)
	}
	r, err := sc.Check(v, statespace.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := traces.FromViolation(name, v.Map(), r.Violation)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestRenderings pins whole renderings (testdata/render; -rewrite accepts a
// deliberate change): "render scenario=S format=.txt [set=k=v...]" prints
// the trace in that format, "explain scenario=S" the closing account of
// its violation. A verdict alone would hide what a reviewer reads: the
// model's account of the violation (issue 15), the value each read
// returned, actor names said once, the fence signals between agents.
func TestRenderings(t *testing.T) {
	datadriven.Walk(t, "testdata/render", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			var name, format string
			var settings []string
			for _, a := range d.CmdArgs {
				switch a.Key {
				case "scenario":
					name = a.Vals[0]
				case "format":
					format = a.Vals[0]
				case "set":
					settings = append(settings, a.Vals...)
				default:
					t.Fatalf("%s: unknown argument %q", d.Pos, a.Key)
				}
			}
			doc := document(t, name, settings)
			switch d.Cmd {
			case "render":
				var b bytes.Buffer
				if err := traces.Formats[format](doc, &b); err != nil {
					t.Fatal(err)
				}
				return b.String()
			case "explain":
				return doc.Explain() + "\n"
			}
			t.Fatalf("%s: unknown directive %q", d.Pos, d.Cmd)
			return ""
		})
	})
}

// No rendering names an actor twice ("isp: isp: DMA write job"), though
// the action table names device actions after the device.
func TestActorNamedOnce(t *testing.T) {
	doc := document(t, "today", nil)
	for _, ext := range traces.Extensions() {
		var b bytes.Buffer
		if err := traces.Formats[ext](doc, &b); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if ext == ".json" || ext == ".html" {
			// The data keeps the action table's labels (replay checks them);
			// the HTML's script strips the prefix for its title.
			out = out[:strings.Index(out, "{")+1]
			if ext == ".html" {
				b.Reset()
				_ = traces.Formats[ext](doc, &b)
				out = b.String()[:strings.Index(b.String(), "<script>")]
			}
		}
		for _, twice := range []string{"isp: isp:", "[isp] isp:", "3. isp:"} {
			if strings.Contains(out, twice) {
				t.Errorf("%s names the actor twice (%q)", ext, twice)
			}
		}
	}
}

// The HTML diagram draws the fence signalled to the waiting CPU and the
// wait it ends as arrows between the two lanes, and the panel shows what
// each step saw.
func TestHTMLDrawsMessages(t *testing.T) {
	doc := document(t, "today", nil)
	var b bytes.Buffer
	if err := traces.Formats[".html"](doc, &b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{`class="message"`, "isp \u2192 cpu: fence signalled", "isp \u2192 cpu: wait returns: fence signalled at step 6",
		`id="observed"`, `"observed":"the CPU read v0 of line 0 from its cache"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if n := strings.Count(out, `class="message"`); n != 2 {
		t.Errorf("%d message arrows, want 2", n)
	}
}
