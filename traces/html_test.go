package traces_test

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/traces"
)

// chromium runs Debian's headless chromium on url with extra flags.
func chromium(t *testing.T, extra ...string) string {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not found: install Debian's chromium (apt-get install -y chromium) to test the HTML viewer in a real browser")
	}
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}, extra...)
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("chromium %v: %v", extra, err)
	}
	return string(out)
}

// The HTML viewer is one self-contained file: it opens offline in a real
// browser, draws its own diagram, and shows the step the URL names, with
// that step's changes and the failed property on the last step (issue 5).
func TestHTMLViewerInHeadlessChromium(t *testing.T) {
	r, v := violation(t, "today")
	doc, err := traces.FromViolation("today", v.Map(), r.Violation)
	if err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "today.html")
	if err := traces.WriteFile(page, doc); err != nil {
		t.Fatal(err)
	}
	src, _ := os.ReadFile(page)
	if regexp.MustCompile(`\b(src|href)=`).Match(src) || strings.Contains(string(src), "<link") {
		t.Errorf("the page refers to another resource; it must be self-contained")
	}
	last := len(doc.Steps) - 1
	for _, step := range []int{0, 3, 5, last} {
		dom := chromium(t, "--dump-dom", fmt.Sprintf("file://%s#step=%d", page, step))
		if !strings.Contains(dom, fmt.Sprintf(`id="current">%d<`, step)) {
			t.Errorf("step %d: the page does not show it as current", step)
		}
		want := "initial state"
		if step > 0 {
			want = fmt.Sprintf("%d. %s: %s", step, doc.Steps[step].Actor, doc.Steps[step].Label())
		}
		if !strings.Contains(dom, want) {
			t.Errorf("step %d: the title %q is not shown", step, want)
		}
		if step == last && (!strings.Contains(dom, "no-stale-read violated") || !strings.Contains(dom, `class="changed">VIOLATED`)) {
			t.Errorf("the last step does not show the violation")
		}
		if !strings.Contains(dom, fmt.Sprintf(`class="step current" id="step-%d"`, step)) && step > 0 {
			t.Errorf("step %d is not highlighted in the diagram", step)
		}
	}
	dir := t.TempDir()
	if f := flag.Lookup("test.outputdir"); f != nil && f.Value.String() != "" {
		dir = f.Value.String()
	}
	shot := filepath.Join(dir, "trace-viewer.png")
	chromium(t, "--window-size=1400,800", "--screenshot="+shot, fmt.Sprintf("file://%s#step=%d", page, last))
	if st, err := os.Stat(shot); err != nil || st.Size() < 10_000 {
		t.Errorf("no screenshot at %s: %v", shot, err)
	}
	t.Logf("screenshot: %s", shot)
}
