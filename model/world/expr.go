package world

import "strings"

// Expr is an integer-valued expression over a world state (a boolean is 0
// or 1): a guard of a When statement, or a user invariant. Expressions are
// built from the world's named atoms (Atom) and combinators; they compile
// to closures over the packed state, so evaluating one costs a few loads.
type Expr struct {
	// Text renders the expression for traces and error messages. It also
	// identifies the expression: two expressions with the same text must
	// mean the same (the world evaluates each distinct guard once per
	// state).
	Text string
	f    func(w *core, s []byte) int
	// and holds the operands of a conjunction, so that guards can be
	// flattened into their conjuncts.
	and []Expr
	// labels are the program labels the expression names (at(A, L)),
	// checked when the world is built.
	labels []labelRef
}

// refs collects the label references of es.
func refs(es ...Expr) []labelRef {
	var out []labelRef
	for _, e := range es {
		out = append(out, e.labels...)
	}
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Pred makes a boolean atom from a predicate over the state view.
func Pred(text string, f func(v View) bool) Expr {
	return Expr{Text: text, f: func(w *core, s []byte) int { return b2i(f(View{w: w, b: s})) }}
}

// Value makes an integer atom from a function of the state view.
func Value(text string, f func(v View) int) Expr {
	return Expr{Text: text, f: func(w *core, s []byte) int { return f(View{w: w, b: s}) }}
}

// Const is the integer n.
func Const(n int) Expr {
	return Expr{Text: itoa(n), f: func(*core, []byte) int { return n }}
}

// True always holds.
var True = Const(1)

// Not is logical negation.
func Not(e Expr) Expr {
	return Expr{Text: "!" + paren(e.Text), labels: e.labels, f: func(w *core, s []byte) int { return b2i(e.f(w, s) == 0) }}
}

// And holds when every operand does (evaluated left to right, short-cut).
func And(es ...Expr) Expr {
	if len(es) == 1 {
		return es[0]
	}
	return Expr{Text: join(es, " && "), and: es, labels: refs(es...), f: func(w *core, s []byte) int {
		for _, e := range es {
			if e.f(w, s) == 0 {
				return 0
			}
		}
		return 1
	}}
}

// conjuncts appends the conjuncts of e (e itself unless it is an And).
func (e Expr) conjuncts(out []Expr) []Expr {
	if e.and == nil {
		return append(out, e)
	}
	for _, x := range e.and {
		out = x.conjuncts(out)
	}
	return out
}

// Or holds when some operand does (evaluated left to right, short-cut).
func Or(es ...Expr) Expr {
	if len(es) == 1 {
		return es[0]
	}
	return Expr{Text: join(es, " || "), labels: refs(es...), f: func(w *core, s []byte) int {
		for _, e := range es {
			if e.f(w, s) != 0 {
				return 1
			}
		}
		return 0
	}}
}

// Cmp compares two integer expressions with one of == != < <= > >=.
func Cmp(a Expr, op string, b Expr) Expr {
	var f func(x, y int) bool
	switch op {
	case "==":
		f = func(x, y int) bool { return x == y }
	case "!=":
		f = func(x, y int) bool { return x != y }
	case "<":
		f = func(x, y int) bool { return x < y }
	case "<=":
		f = func(x, y int) bool { return x <= y }
	case ">":
		f = func(x, y int) bool { return x > y }
	case ">=":
		f = func(x, y int) bool { return x >= y }
	default:
		panic("world: unknown comparison " + op) // a programming error: the parser checks operators
	}
	return Expr{Text: operand(a.Text) + " " + op + " " + operand(b.Text), labels: refs(a, b), f: func(w *core, s []byte) int { return b2i(f(a.f(w, s), b.f(w, s))) }}
}

func join(es []Expr, sep string) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = paren(e.Text)
	}
	return strings.Join(parts, sep)
}

// operand parenthesises a comparison's operand that has an operator of
// its own (a negation, or a space outside brackets), so that the
// comparison's text reads back as the same comparison: (x == 1) == (y ==
// 1) is not x == 1 == y == 1, and (!x) == y is not !x == y, which is
// !(x == y).
func operand(s string) string {
	if strings.HasPrefix(s, "!") {
		return "(" + s + ")"
	}
	depth := 0
	for _, c := range s {
		switch {
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ' ' && depth == 0:
			return "(" + s + ")"
		}
	}
	return s
}

func paren(s string) string {
	if strings.ContainsAny(s, " ") {
		return "(" + s + ")"
	}
	return s
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
