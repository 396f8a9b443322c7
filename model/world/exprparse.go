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

// Atom is one name of the expression language: a function of the state
// with arguments naming objects and agents.
type Atom struct {
	Name string
	Args []Arg
	Help string
	// Build makes the expression from the arguments' values (raw: their
	// text); text is the atom as written, e.g. "attached(isp)".
	Build func(text string, vals []int, raw []string) Expr
}

// The expression language's own arguments.
var (
	argAgent = Arg{Form: "AGENT", What: "an agent", Names: agentNames, Parse: byName(agentNames)}
	argLabel = Arg{Form: "LABEL", What: "a label", Parse: func(_ *Spec, t string) (int, bool) { return 0, t != "" }}
	argFlag  = Arg{Form: "FLAG", What: "a violation flag", Names: func(*Spec) []string { return flagNames[:] },
		Parse: func(_ *Spec, t string) (int, bool) { i := slices.Index(flagNames[:], t); return i, i >= 0 }}
)

// bracketAtom is an atom about agent vals[0]'s CPU bracket: it records that
// the agent must make CPU calls (checked when the world is built).
func bracketAtom(text string, ag int, f func(v View) bool) Expr {
	e := Pred(text, f)
	e.labels = []labelRef{{agent: ag, bracket: text, offset: -1}}
	return e
}

// cacheAtoms are the cache family's atoms and the language's own.
var cacheAtoms = []Atom{
	{Name: "live", Help: "the buffer has not been released", Build: func(t string, _ []int, _ []string) Expr { return Pred(t, View.Live) }},
	{Name: "released", Help: "the buffer has been released", Build: func(t string, _ []int, _ []string) Expr {
		return Pred(t, func(v View) bool { return !v.Live() })
	}},
	{Name: "attached", Args: []Arg{argDev}, Build: devAtom(View.Attached)},
	{Name: "mapped", Args: []Arg{argDev}, Help: "the importer holds a mapping", Build: devAtom(View.Mapped)},
	{Name: "pinned", Args: []Arg{argDev}, Build: devAtom(View.Pinned)},
	{Name: "rejected", Args: []Arg{argDev}, Help: "attach failed with -EINVAL", Build: devAtom(View.Rejected)},
	{Name: "job_idle", Args: []Arg{argDev}, Help: "the device runs no DMA job", Build: devAtom(View.JobIdle)},
	{Name: "stale", Args: []Arg{argDev}, Help: "dma_buf_move_notify invalidated the mapping", Build: devAtom(View.MappingStale)},
	{Name: "fresh", Args: []Arg{argDev}, Help: "the importer mapped since its last job started", Build: devAtom(View.MappingFresh)},
	{Name: "idle", Args: []Arg{argAgent}, Help: "the agent is outside any CPU bracket", Build: func(t string, a []int, _ []string) Expr {
		ag := a[0]
		return bracketAtom(t, ag, func(v View) bool { return v.Idle(ag) })
	}},
	{Name: "inside", Args: []Arg{argAgent, argSyncDir}, Help: "the agent is inside a bracket of that direction", Build: func(t string, a []int, _ []string) Expr {
		ag, dir := a[0], uint8(a[1])
		return bracketAtom(t, ag, func(v View) bool { return v.Inside(ag, dir) })
	}},
	{Name: "may_read", Args: []Arg{argAgent}, Help: "the agent is inside a bracket that allows reads (READ or RW)", Build: func(t string, a []int, _ []string) Expr {
		ag := a[0]
		return bracketAtom(t, ag, func(v View) bool { return v.InsideAllowing(ag, SyncRead) })
	}},
	{Name: "may_write", Args: []Arg{argAgent}, Help: "the agent is inside a bracket that allows writes (WRITE or RW)", Build: func(t string, a []int, _ []string) Expr {
		ag := a[0]
		return bracketAtom(t, ag, func(v View) bool { return v.InsideAllowing(ag, SyncWrite) })
	}},
	{Name: "begun_writing", Args: []Arg{argAgent}, Help: "the agent has begun (or is inside) a bracket that allows writes", Build: func(t string, a []int, _ []string) Expr {
		ag := a[0]
		return bracketAtom(t, ag, func(v View) bool { return v.BracketDir(ag)&SyncWrite != 0 })
	}},
	{Name: "all_idle", Help: "no agent is inside a CPU bracket", Build: func(t string, _ []int, _ []string) Expr { return Pred(t, View.AllIdle) }},
	{Name: "at", Args: []Arg{argAgent, argLabel}, Help: "the agent is at the label", Build: func(t string, a []int, raw []string) Expr {
		ag, label := a[0], raw[1]
		return Expr{Text: t, labels: []labelRef{{agent: ag, label: label, offset: -1}}, f: func(w *core, b []byte) int {
			return b2i(w.pcOf(b, ag) == w.progs[ag].labels[label])
		}}
	}},
	{Name: "done", Args: []Arg{argAgent}, Help: "the agent finished its program", Build: func(t string, a []int, _ []string) Expr {
		ag := a[0]
		return Pred(t, func(v View) bool { return len(v.w.progs[ag].nodes[v.w.pcOf(v.b, ag)]) == 0 })
	}},
	{Name: "mem", Args: []Arg{argLine}, Help: "the version in memory", Build: func(t string, a []int, _ []string) Expr {
		l := a[0]
		return Value(t, func(v View) int { return int(*v.mem(l)) })
	}},
	{Name: "latest", Args: []Arg{argLine}, Help: "the latest completed write's version", Build: func(t string, a []int, _ []string) Expr {
		l := a[0]
		return Value(t, func(v View) int { return int(*v.latest(l)) })
	}},
	{Name: "writes", Help: "the number of writes so far", Build: func(t string, _ []int, _ []string) Expr {
		return Value(t, func(v View) int { return int(*v.writes()) })
	}},
	{Name: "violated", Args: []Arg{argFlag}, Help: "a violation flag was raised", Build: func(t string, a []int, _ []string) Expr {
		f := uint16(1) << a[0]
		return Pred(t, func(v View) bool { return v.Flag(f) })
	}},
}

// devAtom is an atom over one device.
func devAtom(f func(View, int) bool) func(string, []int, []string) Expr {
	return func(t string, a []int, _ []string) Expr {
		d := a[0]
		return Pred(t, func(v View) bool { return f(v, d) })
	}
}

// atoms lists every atom: each family's table (fenceAtoms, ... in the
// family's files).
func atoms() []Atom {
	return slices.Concat(cacheAtoms, fenceAtoms, lockAtoms, vmAtoms, vmChainAtoms, p2pAtoms, lifeAtoms)
}

// AtomNames returns the names of the expression language's atoms.
func AtomNames() []string {
	var out []string
	for _, a := range atoms() {
		out = append(out, a.Name)
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
	return c == '_' || c == '-' || c == '.' || c == '#' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
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
	var forms []Atom
	for _, a := range atoms() {
		if a.Name == name {
			forms = append(forms, a)
		}
	}
	if len(forms) == 0 {
		return Expr{}, &SyntaxError{Offset: at, Msg: fmt.Sprintf("unknown name %q%s", name, suggest.DidYouMean(name, AtomNames()))}
	}
	p.next()
	// Families may share an atom's name (signaled(F) of a fence of either
	// family): the first form whose arguments name objects of the world.
	var first error
	save := *p
	for _, a := range forms {
		*p = save
		e, err := p.atomArgs(a, name, at)
		if err == nil {
			return e, nil
		}
		if first == nil {
			first = err
		}
	}
	return Expr{}, first
}

// atomArgs parses the arguments of atom a (its name already read) and
// builds it.
func (p *exprParser) atomArgs(a Atom, name string, at int) (Expr, error) {
	var args []string
	var offs []int
	forms := func() string {
		var f []string
		for _, x := range a.Args {
			f = append(f, x.Form)
		}
		return strings.Join(f, ", ")
	}
	if len(a.Args) > 0 {
		if p.tok != "(" {
			return Expr{}, p.errf("%s needs (%s)", name, forms())
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
		if len(args) != len(a.Args) {
			return Expr{}, &SyntaxError{Offset: at, Msg: fmt.Sprintf("%s takes %d argument(s): %s(%s)", name, len(a.Args), name, forms())}
		}
	}
	s := p.scope.spec
	vals := make([]int, len(args))
	for k, arg := range a.Args {
		v, ok := arg.Parse(s, args[k])
		if !ok {
			msg := fmt.Sprintf("%s: %q is not %s", name, args[k], arg.What)
			if arg.Names != nil {
				names := arg.Names(s)
				if near := suggest.Nearest(args[k], names); near != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", near)
				} else if len(names) > 0 {
					msg += " (one of " + strings.Join(names, ", ") + ")"
				}
			}
			return Expr{}, &SyntaxError{Offset: offs[k], Msg: msg}
		}
		vals[k] = v
	}
	text := name
	if len(args) > 0 {
		text += "(" + strings.Join(args, ", ") + ")"
	}
	e := a.Build(text, vals, args)
	// Place the references the world checks at Build: a label at its
	// argument, a bracket at the agent.
	for k := range e.labels {
		if e.labels[k].offset < 0 {
			e.labels[k].offset = offs[0]
			if e.labels[k].label != "" && len(offs) > 1 {
				e.labels[k].offset = offs[1]
			}
		}
	}
	return e, nil
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
