package explore

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// position is where the explorer is, as its URL names it:
//
//	/?p=3.17.5                    the state after actions 3, 17 and 5 from the initial state
//	/?i=1&p=3                     the same from the second initial state
//	/?p=3.17&t=3.17.5.8&prop=X    step 2 of a trail (a counterexample of X, or a loaded trace)
//	/?...&loop=2                  the trail is a lasso whose cycle starts at step 2
//
// Actions are indices into the model's action table (the label of each is
// on the page), so a path names the same states in every process.
type position struct {
	init int
	path []statespace.Action
	// trail is the counterexample or trace being stepped through (nil:
	// none); path is a prefix of it. prop is the property it shows and
	// loop where its cycle starts (-1: a finite trace).
	trail []statespace.Action
	prop  string
	loop  int
}

// queryKeys are the parameters a position's URL may have.
var queryKeys = []string{"i", "p", "t", "prop", "loop"}

// parsePosition reads a position from a URL's query. It checks the syntax
// and that the path lies on the trail; whether the actions exist and are
// enabled is the model's to say.
func parsePosition(q url.Values) (position, error) {
	pos := position{loop: -1}
	for k, v := range q {
		if !slices.Contains(queryKeys, k) {
			return pos, fmt.Errorf("unknown parameter %q (a position has: %s)", k, strings.Join(queryKeys, ", "))
		}
		if len(v) > 1 {
			return pos, fmt.Errorf("parameter %q is given %d times", k, len(v))
		}
	}
	var err error
	if s := q.Get("i"); s != "" {
		if pos.init, err = index(s); err != nil {
			return pos, fmt.Errorf("i=%q: %v", s, err)
		}
	}
	if pos.path, err = parsePath(q.Get("p")); err != nil {
		return pos, fmt.Errorf("p=%q: %v", q.Get("p"), err)
	}
	if !q.Has("t") {
		if q.Has("prop") || q.Has("loop") {
			return pos, fmt.Errorf("prop and loop describe a trail: they go with t")
		}
		return pos, nil
	}
	if pos.trail, err = parsePath(q.Get("t")); err != nil {
		return pos, fmt.Errorf("t=%q: %v", q.Get("t"), err)
	}
	if pos.trail == nil {
		pos.trail = []statespace.Action{}
	}
	if len(pos.path) > len(pos.trail) || !slices.Equal(pos.path, pos.trail[:len(pos.path)]) {
		return pos, fmt.Errorf("the path p=%s is not on the trail t=%s (it must be a prefix of it)", q.Get("p"), q.Get("t"))
	}
	pos.prop = q.Get("prop")
	if s := q.Get("loop"); s != "" {
		if pos.loop, err = index(s); err != nil || pos.loop > len(pos.trail) {
			return pos, fmt.Errorf("loop=%q: want a step of the trail, 0 to %d", s, len(pos.trail))
		}
	}
	return pos, nil
}

// parsePath reads "3.17.5": action indices separated by dots ("" is the
// empty path).
func parsePath(s string) ([]statespace.Action, error) {
	if s == "" {
		return nil, nil
	}
	var out []statespace.Action
	for i, f := range strings.Split(s, ".") {
		n, err := index(f)
		if err != nil {
			return nil, fmt.Errorf("step %d: %v", i+1, err)
		}
		out = append(out, statespace.Action(n))
	}
	return out, nil
}

// index reads a small non-negative decimal number.
func index(s string) (int, error) {
	if s == "" || len(s) > 9 || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("want an index (digits, e.g. 17), not %q", s)
	}
	return strconv.Atoi(s)
}

// formatPath writes a path as parsePath reads it.
func formatPath(p []statespace.Action) string {
	var b strings.Builder
	for i, a := range p {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(int(a)))
	}
	return b.String()
}

// at returns the position moved to path, on the same trail when path lies
// on it and off any trail otherwise.
func (p position) at(path []statespace.Action) position {
	q := position{init: p.init, path: path, loop: -1}
	if p.trail != nil && len(path) <= len(p.trail) && slices.Equal(path, p.trail[:len(path)]) {
		q.trail, q.prop, q.loop = p.trail, p.prop, p.loop
	}
	return q
}

// url is the position's address on the server.
func (p position) url() string {
	q := url.Values{}
	if p.init != 0 {
		q.Set("i", strconv.Itoa(p.init))
	}
	if len(p.path) > 0 {
		q.Set("p", formatPath(p.path))
	}
	if p.trail != nil {
		q.Set("t", formatPath(p.trail))
		if p.prop != "" {
			q.Set("prop", p.prop)
		}
		if p.loop >= 0 {
			q.Set("loop", strconv.Itoa(p.loop))
		}
	}
	if len(q) == 0 {
		return "/"
	}
	return "/?" + q.Encode()
}
