package scenario

import "testing"

// TestLifeSectionErrors: mistakes in the life section are reported where
// they are written, and fields that would change nothing are refused.
func TestLifeSectionErrors(t *testing.T) {
	tail := "agents:\n  - name: a\n    program: [kref_get(o)]\n"
	for _, tc := range []struct{ name, life, want string }{
		{"unknown field", "  objcts: []\n", `w.yaml:3:3: unknown field "objcts" (did you mean "objects"?)`},
		{"refs out of range", "  objects: [{name: o, refs: 0}]\n", `w.yaml:3:29: want an integer between 1 and 15, not "0"`},
		{"listed without list", "  objects: [{name: o, listed: true}]\n", `w.yaml:3:31: object o: listed on no list`},
		{"listed false", "  objects: [{name: o, list: l, listed: false}]\n", `w.yaml:3:40: object o: listed: false is the default`},
		{"fd file", "  objects: [{name: o}]\n  fds: [{name: fd, file: p}]\n", `w.yaml:4:26: fd fd: "p" is not an object`},
		{"twice", "  objects: [{name: o}, {name: o}]\n", `w.yaml:3:31: object name "o" is used twice`},
		{"valid", "  objects: [{name: o, refs: 2, list: l, listed: true}]\n  fds: [{name: fd, file: o}]\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := ParseFile(Builtin(), "w.yaml", []byte("model: world\nlife:\n"+tc.life+tail))
			checkFileError(t, err, tc.want)
		})
	}
	// A section no program calls into changes nothing.
	_, _, _, err := ParseFile(Builtin(), "w.yaml", []byte("model: world\nlife:\n  objects: [{name: o}]\nlocks:\n  locks: [{name: m, kind: mutex}]\nagents:\n  - name: a\n    program: [mutex_lock(m)]\n"))
	checkFileError(t, err, "w.yaml:2:1: life: no agent makes a call of the life family")
	// A call on the list of an object without one is refused.
	_, _, _, err = ParseFile(Builtin(), "w.yaml", []byte("model: world\nlife:\n  objects: [{name: o}]\nagents:\n  - name: a\n    program: [list_add(o)]\n"))
	checkFileError(t, err, "list_add(OBJECT): argument 1 must be an object declared with a list")
}
