package explore

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// assets are the page's template, style sheet and script, served from the
// binary: the explorer needs no network.
//
//go:embed assets
var assets embed.FS

// Server is the explorer of one model, an http.Handler:
//
//	GET  /                      the page at the position the query names (position)
//	GET  /api/state             the same as JSON (View)
//	GET  /counterexample?of=X   the shortest counterexample (or example) of property X
//	POST /trace                 a saved trace (the JSON of check run --trace-out or --json), to step through
//	GET  /assets/...            the style sheet and the script
//
// A bad request (a path that does not replay, an action not enabled, an
// unknown property, a malformed trace) gets 400 and a sentence saying
// what is wrong. It answers only requests addressed to a loopback host
// (the Host header), so a web page elsewhere cannot read it through DNS
// rebinding. It is safe for concurrent requests.
type Server struct {
	scenario string
	params   map[string]string
	m        Model
	page     *template.Template
	mu       sync.Mutex
	// searched holds the completed searches, by property.
	searched map[string]*found
}

// New returns the explorer of m, the model of scenario with parameters
// params.
func New(scenario string, params map[string]string, m Model) *Server {
	page := template.Must(template.New("page.html").Funcs(template.FuncMap{"short": shortLabel}).ParseFS(assets, "assets/page.html"))
	return &Server{scenario: scenario, params: params, m: m, page: page, searched: map[string]*found{}}
}

// httpError is a request the server refuses, with its status.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &httpError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// ServeHTTP answers one request; no panic escapes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			http.Error(w, fmt.Sprintf("internal error: %v\n%s", p, debug.Stack()), http.StatusInternalServerError)
		}
	}()
	if !loopbackHost(r.Host) {
		http.Error(w, fmt.Sprintf("the explorer answers requests to a loopback address only, not to host %q", r.Host), http.StatusForbidden)
		return
	}
	var err error
	switch r.URL.Path {
	case "/":
		err = s.servePage(w, r)
	case "/api/state":
		err = s.serveState(w, r)
	case "/counterexample":
		err = s.serveSearch(w, r)
	case "/trace":
		err = s.serveTrace(w, r)
	case "/assets/style.css", "/assets/explore.js":
		err = serveAsset(w, r)
	default:
		err = &httpError{http.StatusNotFound, fmt.Sprintf("no page %s: the explorer serves / (add ?p=... to name a path), /api/state, /counterexample and /trace", r.URL.Path)}
	}
	if err != nil {
		var he *httpError
		if !errors.As(err, &he) {
			he = &httpError{http.StatusInternalServerError, err.Error()}
		}
		http.Error(w, he.msg, he.status)
	}
}

// loopbackHost reports whether a Host header names a loopback address.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// method refuses a request whose method is not one of want.
func method(r *http.Request, want ...string) error {
	if slices.Contains(want, r.Method) {
		return nil
	}
	return &httpError{http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: use %s", r.Method, r.URL.Path, strings.Join(want, " or "))}
}

// what names the served model in messages.
func (s *Server) what() string {
	return fmt.Sprintf("%s (%s)", s.scenario, settings(s.params))
}

// knows reports whether prop is a property of the model, or deadlock.
func (s *Server) knows(prop string) bool {
	return prop == statespace.DeadlockProperty || slices.ContainsFunc(s.m.properties(), func(p property) bool { return p.name == prop })
}

// unknownProperty is the error for a property the model does not have.
func (s *Server) unknownProperty(prop string) error {
	var names []string
	for _, p := range s.m.properties() {
		names = append(names, p.name)
	}
	return badRequest("%s has no property %q (it has: %s, and deadlock)", s.what(), prop, strings.Join(names, ", "))
}

// view is the view at the position q names.
func (s *Server) view(q url.Values) (*View, error) {
	pos, err := parsePosition(q)
	if err != nil {
		return nil, badRequest("bad position: %v", err)
	}
	return s.viewAt(pos)
}

// viewAt is the view at pos.
func (s *Server) viewAt(pos position) (*View, error) {
	if pos.trail != nil {
		if pos.prop != "" && !s.knows(pos.prop) {
			return nil, s.unknownProperty(pos.prop)
		}
		if err := s.m.replays(pos.init, pos.trail); err != nil {
			return nil, replayError("the trail t="+formatPath(pos.trail), s.what(), err)
		}
	}
	w, err := s.m.walk(pos.init, pos.path)
	if err != nil {
		return nil, replayError("the path p="+formatPath(pos.path), s.what(), err)
	}
	params := ""
	if len(s.params) > 0 {
		params = settings(s.params)
	}
	return build(s.m, s.scenario, params, pos, w), nil
}

// replayError words a path that does not replay as a bad request.
func replayError(what, model string, err error) error {
	var pe *pathError
	if errors.As(err, &pe) {
		return badRequest("%s does not replay in %s: %v (start again from /)", what, model, err)
	}
	return err
}

func (s *Server) servePage(w http.ResponseWriter, r *http.Request) error {
	if err := method(r, http.MethodGet, http.MethodHead); err != nil {
		return err
	}
	v, err := s.view(r.URL.Query())
	if err != nil {
		return err
	}
	return s.render(w, v)
}

// render writes the page of v.
func (s *Server) render(w http.ResponseWriter, v *View) error {
	var b bytes.Buffer
	if err := s.page.Execute(&b, v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write(b.Bytes())
	return err
}

func (s *Server) serveState(w http.ResponseWriter, r *http.Request) error {
	if err := method(r, http.MethodGet, http.MethodHead); err != nil {
		return err
	}
	v, err := s.view(r.URL.Query())
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(append(b, '\n'))
	return err
}

// serveSearch jumps to the last state of the shortest counterexample of
// the property ?of= names, as a trail; a property without one leaves the
// user where the rest of the query says, with a notice.
func (s *Server) serveSearch(w http.ResponseWriter, r *http.Request) error {
	if err := method(r, http.MethodGet, http.MethodHead); err != nil {
		return err
	}
	q := r.URL.Query()
	prop := q.Get("of")
	if !q.Has("of") || prop == "" {
		return badRequest("/counterexample needs ?of=PROPERTY")
	}
	q.Del("of")
	pos, err := parsePosition(q)
	if err != nil {
		return badRequest("bad position: %v", err)
	}
	if !s.knows(prop) {
		return s.unknownProperty(prop)
	}
	f, err := s.search(r, prop)
	if err != nil {
		return err
	}
	if f.path == nil {
		v, err := s.viewAt(pos)
		if err != nil {
			return err
		}
		v.Notice = notice(prop, f)
		return s.render(w, v)
	}
	to := position{init: f.init, path: f.path, trail: f.path, prop: prop, loop: f.loop}
	http.Redirect(w, r, to.url(), http.StatusSeeOther)
	return nil
}

// search runs (or recalls) the checker on prop alone.
func (s *Server) search(r *http.Request, prop string) (*found, error) {
	s.mu.Lock()
	f, ok := s.searched[prop]
	s.mu.Unlock()
	if ok {
		return f, nil
	}
	f, err := s.m.search(r.Context(), prop)
	if err != nil {
		return nil, err
	}
	if f.verdict != "unknown" {
		s.mu.Lock()
		s.searched[prop] = f
		s.mu.Unlock()
	}
	return f, nil
}

// notice words a search that found no trace.
func notice(prop string, f *found) string {
	n := thousands(f.states)
	switch f.verdict {
	case "holds":
		return fmt.Sprintf("%s holds: the checker explored all %s reachable states and found no counterexample.", prop, n)
	case "unreached":
		return fmt.Sprintf("%s is never reached: none of the %s reachable states satisfies it.", prop, n)
	}
	return fmt.Sprintf("the search for a counterexample of %s did not finish (%s states explored): no verdict.", prop, n)
}

// thousands writes n with commas between groups of three digits.
func thousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// maxTrace bounds an uploaded trace.
const maxTrace = 64 << 20

// serveTrace reads a saved trace (a form's file field "trace", or the
// request body), replays it on the model and goes to its initial state,
// with the trace as the trail.
func (s *Server) serveTrace(w http.ResponseWriter, r *http.Request) error {
	if err := method(r, http.MethodPost); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTrace)
	var b []byte
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		f, _, ferr := r.FormFile("trace")
		if ferr != nil {
			return badRequest("no trace: the form needs a file in the field \"trace\" (%v)", ferr)
		}
		defer f.Close()
		b, err = io.ReadAll(f)
	} else {
		b, err = io.ReadAll(r.Body)
	}
	if err != nil {
		return badRequest("the trace could not be read: %v", err)
	}
	t, err := decodeTrace(b, s.m.names())
	if err != nil {
		return badRequest("%v", err)
	}
	if err := t.sameScenario(s.scenario, s.params); err != nil {
		return badRequest("%v", err)
	}
	inits := []int{t.init}
	if t.init < 0 {
		inits = nil
		for i := range s.m.inits() {
			inits = append(inits, i)
		}
	}
	var path []statespace.Action
	init := -1
	for _, i := range inits {
		if path, err = s.m.confirm(i, t.steps, t.property, t.kind, t.loop); err == nil {
			init = i
			break
		}
	}
	if init < 0 {
		return badRequest("the trace does not replay on %s: %v", s.what(), err)
	}
	if path == nil {
		path = []statespace.Action{}
	}
	to := position{init: init, trail: path, prop: t.property, loop: t.loop}
	http.Redirect(w, r, to.url(), http.StatusSeeOther)
	return nil
}

// serveAsset serves an embedded file.
func serveAsset(w http.ResponseWriter, r *http.Request) error {
	if err := method(r, http.MethodGet, http.MethodHead); err != nil {
		return err
	}
	b, err := assets.ReadFile(strings.TrimPrefix(r.URL.Path, "/"))
	if err != nil {
		return err
	}
	ct := "text/css; charset=utf-8"
	if strings.HasSuffix(r.URL.Path, ".js") {
		ct = "text/javascript; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	_, err = w.Write(b)
	return err
}
