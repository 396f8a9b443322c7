package explore_test

import (
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// docs/explore.md shows addresses and messages of the explorer of the
// built-in today; action indices change when the world's action table
// does, so the page's examples are checked here: the walk of "Reproducing
// today's stale read by clicking" is the address the page gives, its
// steps are the calls of its table, it ends in the stale read, and the
// page's other addresses and its error message are what the explorer
// answers.
func TestTheExplorePagesExamplesAreWhatTheExplorerShows(t *testing.T) {
	doc, err := os.ReadFile("../docs/explore.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	walk := regexp.MustCompile("The address \\(`/\\?p=([0-9.]+)` in this version\\)").FindStringSubmatch(text)
	if walk == nil {
		t.Fatal("docs/explore.md gives no address of the walk")
	}
	p := walk[1]
	srv := explorer(t, "today")
	end := state(t, srv, "/?p="+p)
	// The table's calls, in order.
	calls := regexp.MustCompile("(?m)^   \\| [0-9] \\| `([^`]+)` \\|").FindAllStringSubmatch(text, -1)
	if len(calls) != 8 || len(end.Steps) != len(calls)+1 {
		t.Fatalf("the page's table has %d calls, its address %d steps", len(calls), len(end.Steps)-1)
	}
	for i, c := range calls {
		want := strings.ReplaceAll(c[1], `\|`, "|")
		if got := end.Steps[i+1].Label; got != want {
			t.Errorf("step %d of %s is %q, the page says %q", i+1, p, got, want)
		}
	}
	v := verdict(t, end, "no-stale-read")
	if v.Verdict != "VIOLATED" {
		t.Errorf("the walk ends with no-stale-read %s", v.Verdict)
	}
	// The model's account the page quotes.
	flat := strings.Join(strings.Fields(text), " ")
	if !strings.Contains(flat, `account: "`+v.Explanation+`"`) {
		t.Errorf("docs/explore.md does not quote the account of the stale read: %q", v.Explanation)
	}
	// The walk is the shortest counterexample the page's toolbar shows.
	_, _, loc := get(t, srv, "/counterexample?of=no-stale-read")
	if cex := state(t, srv, loc); dotted(cex.Path) != p {
		t.Errorf("the counterexample of no-stale-read is p=%s, the page's walk p=%s", dotted(cex.Path), p)
	}
	// The address examples: the same walk, and step 2 of its trail.
	examples := regexp.MustCompile(`(?m)^(/\?p=[0-9.]+(?:&t=[0-9.]+&prop=[a-z-]+)?) `).FindAllStringSubmatch(text, -1)
	if len(examples) != 2 {
		t.Fatalf("the page has %d address examples, want 2", len(examples))
	}
	if examples[0][1] != "/?p="+p {
		t.Errorf("the page's first address %s is not its walk /?p=%s", examples[0][1], p)
	}
	at := state(t, srv, examples[1][1])
	if len(at.Path) != 2 || at.Trail == nil || at.Trail.At != 2 || at.Trail.Len != 8 {
		t.Errorf("%s is not step 2 of an 8-step trail: path %v, trail %+v", examples[1][1], at.Path, at.Trail)
	}
	if !strings.HasPrefix(examples[1][1], "/?p="+strings.Join(strings.Split(p, ".")[:2], ".")+"&t="+p+"&") {
		t.Errorf("%s is not step 2 of the walk p=%s", examples[1][1], p)
	}
	// A property that holds, as the page quotes it, and the fixed rule.
	if _, body, _ := get(t, srv, "/counterexample?of=no-lost-write"); !strings.Contains(flat, "`no-lost-write` in `today`: \"holds: the checker explored all 18,024 reachable states\"") ||
		!strings.Contains(body, "no-lost-write holds: the checker explored all 18,024 reachable states") {
		t.Errorf("no-lost-write in today: the page and the explorer differ:\n%s", body)
	}
	if _, body, _ := get(t, explorer(t, "today-wait-first"), "/counterexample?of=no-stale-read"); !strings.Contains(body, "no-stale-read holds") {
		t.Errorf("no-stale-read in today-wait-first does not hold:\n%s", body)
	}
	// The error message, word for word.
	msg := regexp.MustCompile("(?m)^the path p=([0-9.]+) does not replay.*$").FindStringSubmatch(text)
	if msg == nil {
		t.Fatal("docs/explore.md shows no error message")
	}
	code, body, _ := get(t, srv, "/api/state?p="+msg[1])
	if code != http.StatusBadRequest || strings.TrimSpace(body) != msg[0] {
		t.Errorf("GET /api/state?p=%s: %d %q, the page says %q", msg[1], code, strings.TrimSpace(body), msg[0])
	}
}

// dotted writes a path as an address does: 25.29.32.
func dotted(path []int) string {
	var s []string
	for _, a := range path {
		s = append(s, strconv.Itoa(a))
	}
	return strings.Join(s, ".")
}
