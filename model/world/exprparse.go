package world

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/internal/suggest"
)

// The textual form of expressions, as scenario files write guards (when:)
// and invariants: integers, the world's atoms, ! && || and the comparisons
// == != < <= > >=, with parentheses. Booleans are 0 and 1.
//
// Atoms name the state of declared objects and agents:
//
//	live, released                 the buffer's lifetime
//	attached(D) mapped(D) pinned(D) rejected(D) job_idle(D) stale(D)
//	idle(A) inside(A, READ|WRITE|RW) all_idle
//	at(A, LABEL) done(A)           where agent A is in its program
//	mem(L) latest(L) writes        versions of line L, writes so far
//	violated(FLAG)                 a violation flag: stale-read, lost-write, ...
//
// D is a device, A an agent, L a line.

// atom is one function of the expression language.
type atom struct {
	name string
	args []string // "device", "agent", "line", "dir", "label", "flag"
	help string
}

var atoms = []atom{
	{name: "live", help: "the buffer has not been released"},
	{name: "released", help: "the buffer has been released"},
	{name: "attached", args: []string{"device"}},
	{name: "mapped", args: []string{"device"}, help: "the importer holds a mapping"},
	{name: "pinned", args: []string{"device"}},
	{name: "rejected", args: []string{"device"}, help: "attach failed with -EINVAL"},
	{name: "job_idle", args: []string{"device"}, help: "the device runs no DMA job"},
	{name: "stale", args: []string{"device"}, help: "dma_buf_move_notify invalidated the mapping"},
	{name: "fresh", args: []string{"device"}, help: "the importer mapped since its last job started"},
	{name: "idle", args: []string{"agent"}, help: "the agent is outside any CPU bracket"},
	{name: "inside", args: []string{"agent", "dir"}, help: "the agent is inside a bracket of that direction"},
	{name: "may_read", args: []string{"agent"}, help: "the agent is inside a bracket that allows reads (READ or RW)"},
	{name: "may_write", args: []string{"agent"}, help: "the agent is inside a bracket that allows writes (WRITE or RW)"},
	{name: "begun_writing", args: []string{"agent"}, help: "the agent has begun (or is inside) a bracket that allows writes"},
	{name: "all_idle", help: "no agent is inside a CPU bracket"},
	{name: "at", args: []string{"agent", "label"}, help: "the agent is at the label"},
	{name: "done", args: []string{"agent"}, help: "the agent finished its program"},
	{name: "mem", args: []string{"line"}, help: "the version in memory"},
	{name: "latest", args: []string{"line"}, help: "the latest completed write's version"},
	{name: "writes", help: "the number of writes so far"},
	{name: "violated", args: []string{"flag"}, help: "a violation flag was raised"},
}

// AtomNames returns the names of the expression language's atoms.
func AtomNames() []string {
	var out []string
	for _, a := range atoms {
		out = append(out, a.name)
	}
	return out
}

// exprScope is what names in an expression refer to: the spec's devices
// and agents.
type exprScope struct {
	spec *Spec
}

// ParseExpr parses the textual form of an expression over the objects
// and agents of s. Labels named by at(A, L) are checked when the world is
// built. Errors are *SyntaxError with the offset of the offending token.
func ParseExpr(text string, s *Spec) (Expr, error) {
	p := &exprParser{src: text, scope: exprScope{spec: s}}
	p.next()
	e, err := p.or()
	if err != nil {
		return Expr{}, err
	}
	if p.tok != "" {
		return Expr{}, p.errf("unexpected %q", p.tok)
	}
	return e, nil
}

type exprParser struct {
	src   string
	pos   int // offset of the current token
	end   int // offset just past it
	tok   string
	scope exprScope
}

func (p *exprParser) errf(format string, a ...any) error {
	return &SyntaxError{Offset: p.pos, Msg: fmt.Sprintf(format, a...)}
}

// next reads the next token: a name, a number, an operator or a bracket.
func (p *exprParser) next() {
	i := p.end
	for i < len(p.src) && (p.src[i] == ' ' || p.src[i] == '\t') {
		i++
	}
	p.pos = i
	if i >= len(p.src) {
		p.tok, p.end = "", i
		return
	}
	c := p.src[i]
	j := i + 1
	switch {
	case isWord(c):
		for j < len(p.src) && isWord(p.src[j]) {
			j++
		}
	case strings.HasPrefix(p.src[i:], "&&"), strings.HasPrefix(p.src[i:], "||"),
		strings.HasPrefix(p.src[i:], "=="), strings.HasPrefix(p.src[i:], "!="),
		strings.HasPrefix(p.src[i:], "<="), strings.HasPrefix(p.src[i:], ">="):
		j = i + 2
	}
	p.tok, p.end = p.src[i:j], j
}

func isWord(c byte) bool {
	return c == '_' || c == '-' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func (p *exprParser) or() (Expr, error) {
	e, err := p.and()
	if err != nil {
		return Expr{}, err
	}
	es := []Expr{e}
	for p.tok == "||" {
		p.next()
		x, err := p.and()
		if err != nil {
			return Expr{}, err
		}
		es = append(es, x)
	}
	return Or(es...), nil
}

func (p *exprParser) and() (Expr, error) {
	e, err := p.unary()
	if err != nil {
		return Expr{}, err
	}
	es := []Expr{e}
	for p.tok == "&&" {
		p.next()
		x, err := p.unary()
		if err != nil {
			return Expr{}, err
		}
		es = append(es, x)
	}
	return And(es...), nil
}

func (p *exprParser) unary() (Expr, error) {
	if p.tok == "!" {
		p.next()
		e, err := p.unary()
		if err != nil {
			return Expr{}, err
		}
		return Not(e), nil
	}
	a, err := p.primary()
	if err != nil {
		return Expr{}, err
	}
	switch op := p.tok; op {
	case "==", "!=", "<", "<=", ">", ">=":
		p.next()
		b, err := p.primary()
		if err != nil {
			return Expr{}, err
		}
		return Cmp(a, op, b), nil
	}
	return a, nil
}

func (p *exprParser) primary() (Expr, error) {
	switch {
	case p.tok == "":
		return Expr{}, p.errf("expression ends too early")
	case p.tok == "(":
		p.next()
		e, err := p.or()
		if err != nil {
			return Expr{}, err
		}
		if p.tok != ")" {
			return Expr{}, p.errf("want ')', found %q", p.tok)
		}
		p.next()
		return e, nil
	case p.tok[0] >= '0' && p.tok[0] <= '9':
		n, err := strconv.Atoi(p.tok)
		if err != nil {
			return Expr{}, p.errf("bad number %q", p.tok)
		}
		p.next()
		return Const(n), nil
	case isWord(p.tok[0]):
		return p.call()
	}
	return Expr{}, p.errf("unexpected %q", p.tok)
}

// call parses an atom with its arguments.
func (p *exprParser) call() (Expr, error) {
	name, at := p.tok, p.pos
	i := slices.IndexFunc(atoms, func(a atom) bool { return a.name == name })
	if i < 0 {
		return Expr{}, &SyntaxError{Offset: at, Msg: fmt.Sprintf("unknown name %q%s", name, suggest.DidYouMean(name, AtomNames()))}
	}
	a := atoms[i]
	p.next()
	var args []string
	var offs []int
	if len(a.args) > 0 {
		if p.tok != "(" {
			return Expr{}, p.errf("%s needs (%s)", name, strings.Join(a.args, ", "))
		}
		p.next()
		for {
			if p.tok == "" || !isWord(p.tok[0]) {
				return Expr{}, p.errf("want an argument of %s, found %q", name, p.tok)
			}
			args, offs = append(args, p.tok), append(offs, p.pos)
			p.next()
			if p.tok == ")" {
				p.next()
				break
			}
			if p.tok != "," {
				return Expr{}, p.errf("want ',' or ')', found %q", p.tok)
			}
			p.next()
		}
		if len(args) != len(a.args) {
			return Expr{}, &SyntaxError{Offset: at, Msg: fmt.Sprintf("%s takes %d argument(s): %s(%s)", name, len(a.args), name, strings.Join(a.args, ", "))}
		}
	}
	return p.scope.atom(a, args, offs, at)
}

// atom builds the expression of atom a applied to args.
func (sc exprScope) atom(a atom, args []string, offs []int, at int) (Expr, error) {
	s := sc.spec
	text := a.name
	if len(args) > 0 {
		text += "(" + strings.Join(args, ", ") + ")"
	}
	idx := make([]int, len(args))
	for i, kind := range a.args {
		arg := args[i]
		bad := func(what string, names []string) error {
			msg := fmt.Sprintf("%s: %q is not %s", a.name, arg, what)
			if len(names) > 0 {
				msg += suggest.DidYouMean(arg, names)
				if !strings.Contains(msg, "did you mean") {
					msg += " (one of " + strings.Join(names, ", ") + ")"
				}
			}
			return &SyntaxError{Offset: offs[i], Msg: msg}
		}
		switch kind {
		case "device":
			var names []string
			for _, d := range s.Devices {
				names = append(names, d.Name)
			}
			if idx[i] = slices.Index(names, arg); idx[i] < 0 {
				return Expr{}, bad("a device", names)
			}
		case "agent":
			var names []string
			for _, ag := range s.Agents {
				names = append(names, ag.Name)
			}
			if idx[i] = slices.Index(names, arg); idx[i] < 0 {
				return Expr{}, bad("an agent", names)
			}
		case "line":
			n, err := strconv.Atoi(arg)
			if err != nil || n < 0 || n >= s.Lines {
				return Expr{}, bad(fmt.Sprintf("a line (0..%d)", s.Lines-1), nil)
			}
			idx[i] = n
		case "dir":
			if idx[i] = slices.Index(syncNames[:], arg); idx[i] < 1 {
				return Expr{}, bad("READ, WRITE or RW", nil)
			}
		case "flag":
			if idx[i] = slices.Index(flagNames[:], arg); idx[i] < 0 {
				return Expr{}, bad("a violation flag", flagNames[:])
			}
		case "label":
			// Checked against the agent's program at Build.
		}
	}
	// An atom about an agent's CPU bracket needs an agent that makes CPU
	// calls: checked when the world is built (the program may not be read
	// yet).
	var needs []labelRef
	bracket := func(ag int) (int, error) {
		needs = append(needs, labelRef{agent: ag, offset: offs[0], bracket: a.name})
		return ag, nil
	}
	e, err := sc.build(a, text, args, idx, bracket)
	if a.name == "at" && len(e.labels) == 1 {
		e.labels[0].offset = offs[1]
	}
	e.labels = append(e.labels, needs...)
	return e, err
}

// build makes the closure of atom a.
func (sc exprScope) build(a atom, text string, args []string, idx []int, bracket func(int) (int, error)) (Expr, error) {
	switch a.name {
	case "live":
		return Pred(text, View.Live), nil
	case "released":
		return Pred(text, func(v View) bool { return !v.Live() }), nil
	case "attached":
		d := idx[0]
		return Pred(text, func(v View) bool { return v.Attached(d) }), nil
	case "mapped":
		d := idx[0]
		return Pred(text, func(v View) bool { return v.Mapped(d) }), nil
	case "pinned":
		d := idx[0]
		return Pred(text, func(v View) bool { return v.Pinned(d) }), nil
	case "rejected":
		d := idx[0]
		return Pred(text, func(v View) bool { return v.Rejected(d) }), nil
	case "job_idle":
		d := idx[0]
		return Pred(text, func(v View) bool { return v.JobIdle(d) }), nil
	case "stale":
		d := idx[0]
		return Pred(text, func(v View) bool { return v.MappingStale(d) }), nil
	case "idle":
		ag, err := bracket(idx[0])
		if err != nil {
			return Expr{}, err
		}
		return Pred(text, func(v View) bool { return v.Idle(ag) }), nil
	case "inside":
		ag, err := bracket(idx[0])
		if err != nil {
			return Expr{}, err
		}
		dir := uint8(idx[1])
		return Pred(text, func(v View) bool { return v.Inside(ag, dir) }), nil
	case "may_read", "may_write":
		ag, err := bracket(idx[0])
		if err != nil {
			return Expr{}, err
		}
		want := SyncRead
		if a.name == "may_write" {
			want = SyncWrite
		}
		return Pred(text, func(v View) bool { return v.InsideAllowing(ag, want) }), nil
	case "begun_writing":
		ag, err := bracket(idx[0])
		if err != nil {
			return Expr{}, err
		}
		return Pred(text, func(v View) bool { return v.BracketDir(ag)&SyncWrite != 0 }), nil
	case "fresh":
		d := idx[0]
		return Pred(text, func(v View) bool { return v.MappingFresh(d) }), nil
	case "all_idle":
		return Pred(text, View.AllIdle), nil
	case "at":
		ag, label := idx[0], args[1]
		return Expr{Text: text, labels: []labelRef{{agent: ag, label: label, offset: -1}}, f: func(w *core, b []byte) int {
			return b2i(w.pcOf(b, ag) == w.progs[ag].labels[label])
		}}, nil
	case "done":
		ag := idx[0]
		return Pred(text, func(v View) bool { return len(v.w.progs[ag].nodes[v.w.pcOf(v.b, ag)]) == 0 }), nil
	case "mem":
		l := idx[0]
		return Value(text, func(v View) int { return int(*v.mem(l)) }), nil
	case "latest":
		l := idx[0]
		return Value(text, func(v View) int { return int(*v.latest(l)) }), nil
	case "writes":
		return Value(text, func(v View) int { return int(*v.writes()) }), nil
	case "violated":
		f := uint16(1) << idx[0]
		return Pred(text, func(v View) bool { return v.Flag(f) }), nil
	}
	return Expr{}, fmt.Errorf("unknown name %s", a.name)
}

// labelRef is an atom's reference to an agent's program, checked at
// Build: at(A, L) names a label of A's program; an atom about A's CPU
// bracket (bracket is its name) needs A to make CPU calls.
type labelRef struct {
	agent   int
	label   string
	bracket string
	offset  int
}
