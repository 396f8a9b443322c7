package explore_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/explore"
	"github.com/dmabufcheck/dmabufcheck/scenario"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/traces"
)

// explorer serves the explorer of a built-in scenario (or a scenario file
// NAME.yaml) with its default parameters.
func explorer(t *testing.T, name string) *httptest.Server {
	t.Helper()
	sc, vals := load(t, name)
	m, err := sc.Explore(vals)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(explore.New(sc.Name, vals.Map(), m))
	t.Cleanup(srv.Close)
	return srv
}

// load resolves a built-in scenario or a scenario file.
func load(t *testing.T, name string) (*scenario.Scenario, scenario.Values) {
	t.Helper()
	reg := scenario.Builtin()
	if strings.HasSuffix(name, ".yaml") {
		sc, vals, _, err := scenario.LoadFile(reg, name)
		if err != nil {
			t.Fatal(err)
		}
		return sc, vals
	}
	sc, err := reg.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := sc.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	return sc, vals
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// get fetches a page of srv: its status, body and Location.
func get(t *testing.T, srv *httptest.Server, path string) (int, string, string) {
	t.Helper()
	resp, err := noRedirect.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

// state fetches the view at a position's address ("/?p=...").
func state(t *testing.T, srv *httptest.Server, addr string) *explore.View {
	t.Helper()
	api := "/api/state"
	if q, ok := strings.CutPrefix(addr, "/?"); ok {
		api += "?" + q
	} else if addr != "/" {
		t.Fatalf("%q is not a position's address", addr)
	}
	code, body, _ := get(t, srv, api)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", api, code, body)
	}
	var v explore.View
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("GET %s: %v", api, err)
	}
	return &v
}

// verdict is the verdict of prop in v.
func verdict(t *testing.T, v *explore.View, prop string) explore.VerdictView {
	t.Helper()
	i := slices.IndexFunc(v.Verdicts, func(x explore.VerdictView) bool { return x.Property == prop })
	if i < 0 {
		t.Fatalf("no verdict of %s at %s", prop, v.URL)
	}
	return v.Verdicts[i]
}

// shortest is the checker's shortest counterexample of prop in a scenario,
// as check run finds it.
func shortest(t *testing.T, name, prop string) (*scenario.Scenario, scenario.Values, *statespace.Violation) {
	t.Helper()
	sc, vals := load(t, name)
	r, err := sc.Check(vals, statespace.Options{Only: []string{prop}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Violation == nil || r.Violation.Property != prop {
		t.Fatalf("%s: %s is not violated", name, prop)
	}
	return sc, vals, r.Violation
}

// The initial page shows the initial state, the actions enabled there, by
// their labels in the action table, and the verdict of every property.
func TestTheInitialStateShowsItsActionsAndVerdicts(t *testing.T) {
	srv := explorer(t, "today")
	code, body, _ := get(t, srv, "/")
	if code != http.StatusOK || !strings.Contains(body, "Initial state") {
		t.Fatalf("GET /: %d\n%s", code, body)
	}
	v := state(t, srv, "/")
	if len(v.Steps) != 1 || len(v.Path) != 0 || v.Back != "" {
		t.Errorf("the initial view has steps %d, path %v, back %q", len(v.Steps), v.Path, v.Back)
	}
	if len(v.Groups) < 3 || len(v.Enabled) == 0 {
		t.Fatalf("the initial state shows %d groups and %d enabled actions", len(v.Groups), len(v.Enabled))
	}
	if !slices.ContainsFunc(v.Enabled, func(c explore.ChoiceView) bool {
		return strings.Contains(c.Label, "dma_buf_attach(isp)") && c.Actor == "isp"
	}) {
		t.Errorf("dma_buf_attach(isp) by the isp is not among the enabled actions: %+v", v.Enabled)
	}
	if got := verdict(t, v, "no-stale-read"); got.Verdict != "holds" || got.Bad {
		t.Errorf("no-stale-read in the initial state: %+v", got)
	}
	if got := verdict(t, v, statespace.DeadlockProperty); got.Verdict != "no deadlock" {
		t.Errorf("deadlock in the initial state: %+v", got)
	}
	if !slices.Contains(v.Properties, "no-stale-read") || !slices.Contains(v.Properties, statespace.DeadlockProperty) {
		t.Errorf("the search offers %v", v.Properties)
	}
}

// Taking an enabled action extends the path by its index; back undoes it.
func TestTakingAnActionExtendsThePathAndBackUndoesIt(t *testing.T) {
	srv := explorer(t, "today")
	v0 := state(t, srv, "/")
	c := v0.Enabled[0]
	v1 := state(t, srv, c.URL)
	if !slices.Equal(v1.Path, []int{c.Action}) || v1.URL != c.URL {
		t.Fatalf("after %s: path %v at %s", c.Label, v1.Path, v1.URL)
	}
	if v1.Steps[1].Label != c.Label || v1.Steps[1].Actor != c.Actor || len(v1.Steps[1].Changed) == 0 && !c.NoChange {
		t.Errorf("step 1 is %+v, want %s", v1.Steps[1], c.Label)
	}
	if v1.Back != "/" || v1.Initial != "/" {
		t.Errorf("back %q, initial %q: want /", v1.Back, v1.Initial)
	}
	if c.Changes == "" && !c.NoChange {
		t.Errorf("%s says neither what it changes nor that it changes nothing", c.Label)
	}
}

// A position that does not name a path of the model is a bad request with
// a sentence saying why; never a crash.
func TestABadPositionIsABadRequest(t *testing.T) {
	srv := explorer(t, "today")
	v := state(t, srv, "/")
	notEnabled := -1
	for a := range 200 {
		if !slices.ContainsFunc(v.Enabled, func(c explore.ChoiceView) bool { return c.Action == a }) {
			notEnabled = a
			break
		}
	}
	for _, tc := range []struct{ query, want string }{
		{"p=abc", "want an index"},
		{"p=1..2", "step 2: want an index"},
		{"p=-1", "want an index"},
		{"p=%2B3", "want an index"},
		{"p=99999", "action 99999 does not exist"},
		{"p=" + url.QueryEscape(strings.Repeat("1", 12)), "want an index"},
		{"p=" + strconv.Itoa(notEnabled), "is not enabled in the state of step 0"},
		{"i=3", "initial state 3 does not exist"},
		{"x=1", `unknown parameter "x"`},
		{"p=1&p=2", `parameter "p" is given 2 times`},
		{"prop=no-stale-read", "they go with t"},
		{"p=1&t=2.3", "is not on the trail"},
		{"t=" + strconv.Itoa(notEnabled), "the trail t=" + strconv.Itoa(notEnabled) + " does not replay"},
		{"t=&prop=no-such-property", `has no property "no-such-property"`},
		{"t=&loop=2", "want a step of the trail"},
	} {
		for _, page := range []string{"/?", "/api/state?"} {
			code, body, _ := get(t, srv, page+tc.query)
			if code != http.StatusBadRequest || !strings.Contains(body, tc.want) {
				t.Errorf("GET %s%s: %d %q, want 400 saying %q", page, tc.query, code, body, tc.want)
			}
		}
	}
}

// The counterexample of a property is the checker's shortest trace, shown
// at its last state, where the property is violated, with the trace as a
// trail to step through.
func TestTheCounterexampleOfNoStaleReadIsTheShortestTrace(t *testing.T) {
	srv := explorer(t, "today")
	_, _, viol := shortest(t, "today", "no-stale-read")
	code, body, loc := get(t, srv, "/counterexample?of=no-stale-read")
	if code != http.StatusSeeOther {
		t.Fatalf("GET /counterexample: %d %s", code, body)
	}
	v := state(t, srv, loc)
	if len(v.Path) != viol.Length() || v.Trail == nil || v.Trail.Len != viol.Length() || v.Trail.At != viol.Length() {
		t.Fatalf("the counterexample has %d steps, the checker's %d (trail %+v)", len(v.Path), viol.Length(), v.Trail)
	}
	for i, st := range viol.Trace.Steps[1:] {
		if v.Steps[i+1].Label != st.Label {
			t.Errorf("step %d is %s, the checker's %s", i+1, v.Steps[i+1].Label, st.Label)
		}
	}
	got := verdict(t, v, "no-stale-read")
	if got.Verdict != "VIOLATED" || !got.Bad || !strings.Contains(got.Explanation, "stale") {
		t.Errorf("no-stale-read at the end of its counterexample: %+v", got)
	}
	if last := v.Steps[len(v.Steps)-1]; !strings.Contains(last.Label, "cpu_read") || last.Observed == "" {
		t.Errorf("the last step is %+v, want the CPU's read and what it saw", last)
	}
	// The trail steps back to its start, and forward again.
	first := state(t, srv, v.Trail.First)
	if len(first.Path) != 0 || first.Trail == nil || first.Trail.Next == "" || first.Trail.Prev != "" {
		t.Fatalf("the trail's first state: %+v", first.Trail)
	}
	if next := state(t, srv, first.Trail.Next); len(next.Path) != 1 || next.Trail == nil {
		t.Errorf("the trail's next state: path %v", next.Path)
	}
	if !slices.ContainsFunc(first.Enabled, func(c explore.ChoiceView) bool { return c.Next }) {
		t.Errorf("the trail's next action is not marked among the enabled ones")
	}
	// Leaving the trail drops it.
	off := slices.IndexFunc(first.Enabled, func(c explore.ChoiceView) bool { return !c.Next })
	if w := state(t, srv, first.Enabled[off].URL); w.Trail != nil {
		t.Errorf("a step off the trail keeps it: %s", w.URL)
	}
}

// The page of a position is what its address names: fetching it again
// (in another browser) shows the same state.
func TestTheAddressNamesTheState(t *testing.T) {
	srv := explorer(t, "today")
	_, _, loc := get(t, srv, "/counterexample?of=no-stale-read")
	a, b := state(t, srv, loc), state(t, srv, loc)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) || a.URL != loc {
		t.Errorf("the same address shows different states")
	}
	code, body, _ := get(t, srv, loc)
	if code != http.StatusOK || !strings.Contains(body, "VIOLATED") {
		t.Errorf("GET %s: %d", loc, code)
	}
}

// A property without counterexample leaves the user where they were and
// says so; an unknown property is a bad request.
func TestAPropertyThatHoldsHasNoCounterexample(t *testing.T) {
	srv := explorer(t, "today")
	v := state(t, srv, "/")
	code, body, _ := get(t, srv, "/counterexample?of=no-lost-write&p="+strconv.Itoa(v.Enabled[0].Action))
	if code != http.StatusOK || !strings.Contains(body, "no-lost-write holds: the checker explored all") || !strings.Contains(body, "State after step 1") {
		t.Errorf("no-lost-write: %d\n%s", code, body)
	}
	for _, q := range []string{"of=no-such-property", "of=", "", "of=no-stale-read&p=abc"} {
		code, body, _ := get(t, srv, "/counterexample?"+q)
		if code != http.StatusBadRequest {
			t.Errorf("/counterexample?%s: %d %q, want 400", q, code, body)
		}
	}
}

// The "counterexample" of a cover property is its shortest example: a
// trail to a state where it is reached.
func TestACoverPropertyJumpsToItsShortestExample(t *testing.T) {
	srv := explorer(t, "today")
	_, _, loc := get(t, srv, "/counterexample?of=all-importers-attached")
	v := state(t, srv, loc)
	if got := verdict(t, v, "all-importers-attached"); got.Verdict != "reached" || v.Trail == nil ||
		!strings.HasPrefix(v.Trail.Title, "example of all-importers-attached") || len(v.Path) != 2 {
		t.Errorf("all-importers-attached: %+v after %v, trail %+v", got, v.Path, v.Trail)
	}
}

// A deadlock's counterexample ends in a state where nothing is enabled, and
// the page says it is a deadlock.
func TestADeadlockIsShownAsOne(t *testing.T) {
	srv := explorer(t, "deadlock-ww-mutex-misuse")
	code, body, loc := get(t, srv, "/counterexample?of=deadlock")
	if code != http.StatusSeeOther {
		t.Fatalf("%d %s", code, body)
	}
	v := state(t, srv, loc)
	if got := verdict(t, v, "deadlock"); got.Verdict != "DEADLOCK" || len(v.Enabled) != 0 {
		t.Errorf("the deadlock's last state: %+v, %d enabled", got, len(v.Enabled))
	}
	if len(v.Waits) == 0 {
		t.Errorf("the deadlock does not say who waits for whom")
	}
}

// A liveness counterexample is a lasso: the trail marks where its cycle
// starts, and its last state is the state there.
func TestALivenessCounterexampleIsALasso(t *testing.T) {
	srv := explorer(t, "crossvm-fence-proxy-unordered")
	prop := "crossvm-proxy-fence-signals/frame1"
	code, body, loc := get(t, srv, "/counterexample?of="+url.QueryEscape(prop))
	if code != http.StatusSeeOther {
		t.Fatalf("%d %s", code, body)
	}
	v := state(t, srv, loc)
	if v.Trail == nil || v.Trail.Loop < 0 || !strings.HasPrefix(v.Trail.Title, "lasso of "+prop) {
		t.Fatalf("the trail of %s: %+v", prop, v.Trail)
	}
	at := state(t, srv, v.Trail.Steps[v.Trail.Loop].URL)
	if !slices.Equal(fields(at), fields(v)) {
		t.Errorf("the lasso's last state is not the state where its loop starts")
	}
	if got := verdict(t, v, prop); got.Good {
		t.Errorf("%s holds on its own lasso: %+v", prop, got)
	}
}

func fields(v *explore.View) []string {
	var out []string
	for _, g := range v.Groups {
		for _, f := range g.Fields {
			out = append(out, g.Name+"."+f.Name+"="+f.Value)
		}
	}
	return out
}

// Under a symmetry reduction the checker's trace steps canonical images;
// the explorer turns it into a path of the model itself, which replays and
// ends in the same violation (the old model and the world file).
func TestASymmetryReducedCounterexampleBecomesAPathOfTheModel(t *testing.T) {
	for _, name := range []string{"today-three-isps", filepath.Join("..", "scenarios", "today-three-isps.yaml")} {
		srv := explorer(t, name)
		_, _, viol := shortest(t, name, "no-stale-read")
		code, body, loc := get(t, srv, "/counterexample?of=no-stale-read")
		if code != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", name, code, body)
		}
		v := state(t, srv, loc)
		if len(v.Path) != viol.Length() || verdict(t, v, "no-stale-read").Verdict != "VIOLATED" {
			t.Errorf("%s: a path of %d steps (the checker's: %d), no-stale-read %s", name, len(v.Path), viol.Length(), verdict(t, v, "no-stale-read").Verdict)
		}
		// The checker's own actions are not a path of the model: the
		// reduction moved the trace to another isp than the first step's.
		var acts []string
		for _, st := range viol.Trace.Steps[1:] {
			acts = append(acts, strconv.Itoa(st.Action))
		}
		if code, _, _ := get(t, srv, "/?p="+strings.Join(acts, ".")); code != http.StatusBadRequest {
			t.Errorf("%s: the checker's trace is a path of the model as it is (%d): this test no longer shows the mapping", name, code)
		}
	}
}

// traceJSON is a counterexample of today as check run --trace-out writes it.
func traceJSON(t *testing.T, name, prop string) []byte {
	t.Helper()
	sc, vals, viol := shortest(t, name, prop)
	doc, err := traces.FromViolation(sc.Name, vals.Map(), viol)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "trace.json")
	if err := traces.WriteFile(p, doc); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// post sends a trace to /trace, as a form's file or as the body.
func post(t *testing.T, srv *httptest.Server, b []byte, form bool) (int, string, string) {
	t.Helper()
	ct := "application/json"
	body := b
	if form {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("trace", "today.json")
		fw.Write(b)
		mw.Close()
		ct, body = mw.FormDataContentType(), buf.Bytes()
	}
	resp, err := noRedirect.Post(srv.URL+"/trace", ct, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out), resp.Header.Get("Location")
}

// A saved trace is replayed against the model and shown from its first
// state, as a trail to step through.
func TestASavedTraceIsSteppedThrough(t *testing.T) {
	srv := explorer(t, "today")
	b := traceJSON(t, "today", "no-stale-read")
	for _, form := range []bool{false, true} {
		code, body, loc := post(t, srv, b, form)
		if code != http.StatusSeeOther {
			t.Fatalf("POST /trace (form %v): %d %s", form, code, body)
		}
		v := state(t, srv, loc)
		if len(v.Path) != 0 || v.Trail == nil || v.Trail.Len != 8 || v.Trail.Property != "no-stale-read" {
			t.Fatalf("the loaded trace: path %v, trail %+v", v.Path, v.Trail)
		}
		end := state(t, srv, v.Trail.Last)
		if verdict(t, end, "no-stale-read").Verdict != "VIOLATED" {
			t.Errorf("the trace's last state does not violate no-stale-read")
		}
	}
}

// A file that is not a trace of the served model is a bad request that
// says what is wrong.
func TestAMalformedTraceIsABadRequest(t *testing.T) {
	srv := explorer(t, "today")
	good := string(traceJSON(t, "today", "no-stale-read"))
	other := string(traceJSON(t, "today-three-isps", "no-stale-read"))
	fp := strings.Index(good, `"fingerprint": "`) + len(`"fingerprint": "`)
	for _, tc := range []struct{ name, body, want string }{
		{"not JSON", "hello", "not a trace"},
		{"empty", "", "not a trace"},
		{"an array", "[1,2]", "not a trace"},
		{"no schema", `{"scenario": "today"}`, "not a trace"},
		{"another schema", strings.Replace(good, traces.Schema, "dmabufcheck-trace/9", 1), "schema"},
		{"no steps", `{"schema": "` + traces.Schema + `", "scenario": "today", "property": "no-stale-read", "steps": []}`, "no steps"},
		{"another scenario", other, "the trace is of scenario today-three-isps"},
		{"other parameters", strings.Replace(good, `"writes": "2"`, `"writes": "3"`, 1), "writes=3"},
		{"an edited fingerprint", good[:fp] + "0123456789abcdef" + good[fp+16:], "does not replay"},
		{"a bad fingerprint", good[:fp] + "xyz" + good[fp+3:], "not 16 hex digits"},
		{"an unknown property", strings.Replace(good, `"property": "no-stale-read"`, `"property": "no-such"`, 1), "does not replay"},
		{"a run without counterexample", `{"scenario": "today", "result": "ok", "violation": null}`, "no counterexample"},
	} {
		code, body, _ := post(t, srv, []byte(tc.body), false)
		if code != http.StatusBadRequest || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %q, want 400 saying %q", tc.name, code, body, tc.want)
		}
	}
	resp, err := http.Post(srv.URL+"/trace", "multipart/form-data; boundary=x", strings.NewReader("--x--"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a form without a file: %d, want 400", resp.StatusCode)
	}
}

// Requests go only to the pages the server has, with their methods, and
// only to a loopback host.
func TestMethodsPagesAndHosts(t *testing.T) {
	srv := explorer(t, "today")
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"POST", "/", http.StatusMethodNotAllowed},
		{"GET", "/trace", http.StatusMethodNotAllowed},
		{"DELETE", "/api/state", http.StatusMethodNotAllowed},
		{"GET", "/no-such-page", http.StatusNotFound},
		{"GET", "/assets/nope.css", http.StatusNotFound},
		{"GET", "/assets/style.css", http.StatusOK},
		{"GET", "/assets/explore.js", http.StatusOK},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
	}
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	req.Host = "attacker.example:80"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a request for host attacker.example: %d, want 403", resp.StatusCode)
	}
}

// Concurrent requests are safe (run with -race): pages, searches and
// traces at once.
func TestConcurrentRequests(t *testing.T) {
	srv := explorer(t, "today")
	b := traceJSON(t, "today", "no-stale-read")
	step := state(t, srv, "/").Enabled[0].URL
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := range 8 {
		wg.Go(func() {
			for j := range 4 {
				var resp *http.Response
				var err error
				switch (i + j) % 4 {
				case 0:
					resp, err = noRedirect.Get(srv.URL + step)
				case 1:
					resp, err = noRedirect.Get(srv.URL + "/counterexample?of=no-stale-read")
				case 2:
					resp, err = noRedirect.Post(srv.URL+"/trace", "application/json", bytes.NewReader(b))
				case 3:
					resp, err = noRedirect.Get(srv.URL + "/api/state?p=999")
				}
				if err != nil {
					errs <- err.Error()
					continue
				}
				resp.Body.Close()
				if resp.StatusCode >= 500 {
					errs <- resp.Status
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
