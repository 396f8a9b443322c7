package explore_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "write the explorer's screenshot to docs/explore.png")

// browser is a headless Chromium tab on an explorer.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// newBrowser starts Debian's chromium on the explorer of scenario name.
func newBrowser(t *testing.T, name string) *browser {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not found: install the Debian package chromium (apt-get install chromium) to run the explorer in a real browser")
	}
	srv := explorer(t, name)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 1000), chromedp.Flag("disable-gpu", true))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	b := &browser{t: t, ctx: ctx, base: srv.URL}
	b.do(chromedp.EmulateViewport(1400, 1000))
	return b
}

// do runs actions in the tab.
func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

// load runs actions that lead to a new page and waits for it; the page
// must load (200).
func (b *browser) load(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, steps...)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	if resp.Status != http.StatusOK {
		b.t.Fatalf("%s: %d %s", what, resp.Status, resp.URL)
	}
}

// open loads a page of the explorer.
func (b *browser) open(path string) { b.load("open "+path, chromedp.Navigate(b.base+path)) }

// click clicks the element sel selects and waits for the page it leads to.
func (b *browser) click(sel string) { b.load("click "+sel, chromedp.Click(chromedp.CSS(sel))) }

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("%s: %v", js, err)
	}
	return v
}

// text is the text of the first element sel selects ("" when none does).
func (b *browser) text(sel string) string {
	b.t.Helper()
	q, _ := json.Marshal(sel)
	return eval[string](b, fmt.Sprintf(`(function(){ var e = document.querySelector(%s); return e ? e.textContent.trim() : ""; })()`, q))
}

// verdict is the verdict the page shows for prop, and the explanation
// below it.
func (b *browser) verdict(prop string) (string, string) {
	b.t.Helper()
	row := fmt.Sprintf(`tr[data-property=%q]`, prop)
	q, _ := json.Marshal(row)
	expl := eval[string](b, fmt.Sprintf(`(function(){ var r = document.querySelector(%s); var n = r && r.nextElementSibling; return n && n.classList.contains("explanation") ? n.textContent.trim() : ""; })()`, q))
	return b.text(row + " td.value"), expl
}

// trailLabels are the labels of the trail's steps, as the page shows them.
func (b *browser) trailLabels() []string {
	return eval[[]string](b, `Array.from(document.querySelectorAll("#trail-steps li .label")).map(e => e.textContent)`)
}

// clickAction clicks the enabled action whose label is label.
func (b *browser) clickAction(label string) {
	b.t.Helper()
	q, _ := json.Marshal(label)
	a := eval[string](b, fmt.Sprintf(`(function(){ var l = Array.from(document.querySelectorAll("#enabled a.action")).find(a => a.querySelector(".label").textContent === %s); return l ? l.dataset.action : ""; })()`, q))
	if a == "" {
		b.t.Fatalf("%s is not enabled at %s", label, b.location())
	}
	b.click(fmt.Sprintf(`#enabled a.action[data-action="%s"]`, a))
}

// location is the page's address.
func (b *browser) location() string {
	b.t.Helper()
	u, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return u
}

var stepOf = regexp.MustCompile(`^step (\d+) of (\d+)$`)

// A reviewer reproduces today's stale read by clicking (docs/explore.md):
// the shortest counterexample of no-stale-read, stepped through from its
// start, ends in a state where the page shows the CPU's stale read and
// no-stale-read violated; clicking the same kernel calls from the initial
// state gets there too, and the address names that path. The same holds
// of the built-in and of its world file (whose labels name the agent).
func TestAReviewerReproducesTheStaleReadByClicking(t *testing.T) {
	for _, name := range []string{"today", filepath.Join("..", "scenarios", "today.yaml")} {
		t.Run(filepath.Base(name), func(t *testing.T) { reproduceTheStaleRead(t, name, *updateScreenshot && name == "today") })
	}
}

func reproduceTheStaleRead(t *testing.T, name string, screenshot bool) {
	b := newBrowser(t, name)
	b.open("/")
	if got := b.text("#state-title"); got != "Initial state" {
		t.Fatalf("the first page shows %q", got)
	}
	if v, _ := b.verdict("no-stale-read"); v != "holds" {
		t.Errorf("no-stale-read in the initial state: %q", v)
	}
	b.do(chromedp.SetValue(chromedp.ID("property"), "no-stale-read"))
	b.click("#search-button")
	m := stepOf.FindStringSubmatch(b.text("#trail-at"))
	if m == nil || m[1] != m[2] {
		t.Fatalf("the counterexample is not shown at its last step: %q", b.text("#trail-at"))
	}
	n := len(b.trailLabels())
	if fmt.Sprint(n) != m[2] {
		t.Fatalf("the trail lists %d steps, says %s", n, m[2])
	}
	labels := b.trailLabels()
	// The kernel calls of the stale read, in order, whatever the labels'
	// exact words.
	at := 0
	for _, call := range []string{"dma_buf_attach", "dma_buf_map_attachment", "DMA_BUF_IOCTL_SYNC(START", "cache_prefetch", "cpu_read"} {
		for at < len(labels) && !strings.Contains(labels[at], call) {
			at++
		}
		if at == len(labels) {
			t.Fatalf("the counterexample %q has no %s where expected", labels, call)
		}
	}
	// Step through it from the start.
	b.click("#trail-first")
	for k := 1; k <= n; k++ {
		b.click("#trail-next")
		if got, want := b.text("#trail-at"), fmt.Sprintf("step %d of %d", k, n); got != want {
			t.Fatalf("after next: %q, want %q", got, want)
		}
		v, _ := b.verdict("no-stale-read")
		if want := map[bool]string{true: "VIOLATED", false: "holds"}[k == n]; v != want {
			t.Errorf("no-stale-read at step %d: %q, want %q", k, v, want)
		}
	}
	v, why := b.verdict("no-stale-read")
	if v != "VIOLATED" || !strings.Contains(why, "stale") {
		t.Errorf("at the end: no-stale-read %q, %q", v, why)
	}
	if seen := b.text("#observed"); !strings.Contains(seen, "read") {
		t.Errorf("the last step does not say what the CPU read: %q", seen)
	}
	if screenshot {
		b.do(chromedp.EmulateViewport(1400, 760))
		shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "docs", "explore.png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	trail := b.location()

	// The same by clicking the kernel calls from a fresh start.
	b.open("/")
	for _, l := range labels {
		b.clickAction(l)
	}
	v, why = b.verdict("no-stale-read")
	if v != "VIOLATED" || !strings.Contains(why, "stale") {
		t.Errorf("after clicking the calls: no-stale-read %q, %q", v, why)
	}
	here := b.location()
	p := regexp.MustCompile(`[?&]p=([0-9.]+)`)
	if a, c := p.FindStringSubmatch(here), p.FindStringSubmatch(trail); a == nil || c == nil || a[1] != c[1] {
		t.Errorf("the address %s does not name the counterexample's path (%s)", here, trail)
	}
	// The address opens the same state.
	b.open(strings.TrimPrefix(here, b.base))
	if v, _ := b.verdict("no-stale-read"); v != "VIOLATED" {
		t.Errorf("reopening %s: no-stale-read %q", here, v)
	}
	b.click("#back")
	if v, _ := b.verdict("no-stale-read"); v != "holds" || !strings.HasPrefix(b.text("#state-title"), fmt.Sprintf("State after step %d", n-1)) {
		t.Errorf("back: %q, no-stale-read %q", b.text("#state-title"), v)
	}
	b.click("#initial")
	if got := b.text("#state-title"); got != "Initial state" {
		t.Errorf("initial state: %q", got)
	}
}

// A trace saved by check run --trace-out loads from the page's file field
// and is stepped through to the violation.
func TestATraceLoadsInTheBrowser(t *testing.T) {
	b := newBrowser(t, "today")
	p := filepath.Join(t.TempDir(), "today.json")
	if err := os.WriteFile(p, traceJSON(t, "today", "no-stale-read"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.open("/")
	// Choosing the file loads it (the page's script submits the form).
	if _, err := chromedp.Run(b.ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.SetUploadFiles(chromedp.ID("trace-file"), []string{p}))); err != nil {
		t.Fatal(err)
	}
	if got := b.text("#trail-title"); !strings.Contains(got, "no-stale-read") {
		t.Fatalf("after loading the trace: %q", got)
	}
	if got := b.text("#trail-at"); got != "step 0 of 8" {
		t.Errorf("the trace opens at %q, want its first state", got)
	}
	b.click("#trail-last")
	if v, _ := b.verdict("no-stale-read"); v != "VIOLATED" {
		t.Errorf("the trace's last state: no-stale-read %q", v)
	}
}
