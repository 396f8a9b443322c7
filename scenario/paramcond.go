package scenario

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The condition of an {if: COND, then: [...], else: [...]} item of a world
// file: comparisons of parameters with values, joined by && and ||
// (&& binds tighter; no parentheses).
//
//	$p            a bool parameter is true
//	!$p           a bool parameter is false
//	$p == v       $p != v      any parameter (v: an int, an option, true or false)
//	$p >= n       $p <= n      $p > n      $p < n      an int parameter

// paramCond is a parsed condition: a disjunction of conjunctions.
type paramCond [][]paramTest

// paramTest is one comparison of a parameter with a value.
type paramTest struct {
	param Param
	op    string // ==, !=, >=, <=, >, <
	value string // canonical text (Param.Check)
}

// condError is an error at a byte offset of a condition's text.
type condError struct {
	offset int
	msg    string
}

func (e *condError) Error() string { return e.msg }

var condOps = []string{"==", "!=", ">=", "<=", ">", "<"}

// parseParamCond parses a condition over the declared parameters.
func parseParamCond(text string, params []Param) (paramCond, error) {
	var out paramCond
	off := 0
	for _, disj := range strings.Split(text, "||") {
		var conj []paramTest
		o := off
		for _, atom := range strings.Split(disj, "&&") {
			t, err := parseParamTest(atom, o, params)
			if err != nil {
				return nil, err
			}
			conj = append(conj, t)
			o += len(atom) + len("&&")
		}
		out = append(out, conj)
		off += len(disj) + len("||")
	}
	return out, nil
}

// parseParamTest parses one comparison, found at byte offset off of the
// condition.
func parseParamTest(atom string, off int, params []Param) (paramTest, error) {
	i := 0
	skip := func() {
		for i < len(atom) && (atom[i] == ' ' || atom[i] == '\t') {
			i++
		}
	}
	skip()
	if i == len(atom) {
		return paramTest{}, &condError{off + i, "a condition compares parameters: $p, !$p, $p == v, $p != v, $p >= n, $p <= n, $p > n, $p < n, joined by && or ||"}
	}
	neg := atom[i] == '!'
	if neg {
		i++
		skip()
	}
	if i == len(atom) || atom[i] != '$' {
		return paramTest{}, &condError{off + i, fmt.Sprintf("want a parameter ($name), not %q", strings.TrimSpace(atom[i:]))}
	}
	nameAt := i
	i++
	start := i
	for i < len(atom) && isParamNameByte(atom[i]) {
		i++
	}
	name := atom[start:i]
	p, err := lookupParam(name, params)
	if err != nil {
		return paramTest{}, &condError{off + nameAt, err.Error()}
	}
	skip()
	if i == len(atom) {
		if p.Kind != Bool {
			return paramTest{}, &condError{off + nameAt, fmt.Sprintf("$%s is not a bool: compare it (%s)", name, compareHint(p))}
		}
		return paramTest{param: p, op: "==", value: strconv.FormatBool(!neg)}, nil
	}
	if neg {
		return paramTest{}, &condError{off + i, "! goes before a bool parameter alone ($p == false is the same)"}
	}
	opAt := i
	op := ""
	for _, o := range condOps {
		if strings.HasPrefix(atom[i:], o) {
			op = o
			break
		}
	}
	if op == "" {
		return paramTest{}, &condError{off + i, fmt.Sprintf("want a comparison after $%s (%s), not %q", name, compareHint(p), strings.TrimSpace(atom[i:]))}
	}
	i += len(op)
	skip()
	valAt := i
	val := strings.TrimSpace(atom[i:])
	if op != "==" && op != "!=" && p.Kind != Int {
		return paramTest{}, &condError{off + opAt, fmt.Sprintf("%s compares integers; $%s is a %s (%s)", op, name, kindName(p.Kind), compareHint(p))}
	}
	canon, err := p.Check(val)
	if err != nil {
		msg := fmt.Sprintf("$%s %s %s: %v", name, op, val, err)
		if p.Kind == Choice {
			msg = fmt.Sprintf("$%s %s %s: %s is not an option of $%s%s (want one of %s)", name, op, val, val, name, didYouMean(val, p.Options), strings.Join(p.Options, ", "))
		}
		return paramTest{}, &condError{off + valAt, msg}
	}
	return paramTest{param: p, op: op, value: canon}, nil
}

// compareHint says how a parameter of p's kind is compared.
func compareHint(p Param) string {
	switch p.Kind {
	case Int:
		return fmt.Sprintf("$%s == n, != n, >= n, <= n, > n or < n with n in %d..%d", p.Name, p.Min, p.Max)
	case Choice:
		return fmt.Sprintf("$%s == v or != v with v one of %s", p.Name, strings.Join(p.Options, ", "))
	}
	return fmt.Sprintf("$%s or !$%s", p.Name, p.Name)
}

func kindName(k Kind) string {
	return [...]string{"int", "bool", "choice"}[k]
}

// lookupParam finds a declared parameter, or says which ones there are.
func lookupParam(name string, params []Param) (Param, error) {
	var names []string
	for _, p := range params {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	if name == "" {
		return Param{}, fmt.Errorf("$ starts a parameter: $name alone, ${name} inside text, $$ for a dollar sign")
	}
	if len(names) == 0 {
		return Param{}, fmt.Errorf("unknown parameter $%s: the file declares none (params:)", name)
	}
	return Param{}, fmt.Errorf("unknown parameter $%s%s (params: %s)", name, didYouMean(name, names), strings.Join(names, ", "))
}

// holds evaluates the condition at the values v.
func (c paramCond) holds(v Values) bool {
	return slices.ContainsFunc(c, func(conj []paramTest) bool {
		for _, t := range conj {
			if !t.holds(v) {
				return false
			}
		}
		return true
	})
}

func (t paramTest) holds(v Values) bool {
	got := v.text[t.param.Name]
	if t.param.Kind != Int {
		return (got == t.value) == (t.op == "==")
	}
	a, b := v.Int(t.param.Name), 0
	b, _ = strconv.Atoi(t.value)
	switch t.op {
	case "==":
		return a == b
	case "!=":
		return a != b
	case ">=":
		return a >= b
	case "<=":
		return a <= b
	case ">":
		return a > b
	}
	return a < b
}

// params are the names of the parameters the condition reads.
func (c paramCond) params() []string {
	var out []string
	for _, conj := range c {
		for _, t := range conj {
			out = append(out, t.param.Name)
		}
	}
	return out
}
