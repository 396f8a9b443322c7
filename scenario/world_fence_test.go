package scenario

import (
	"strings"
	"testing"
)

// TestWorldFileFenceSectionErrors: every mistake in a fence section, or in
// a fence call or atom, is reported where it is written, with a
// suggestion when a name is close.
func TestWorldFileFenceSectionErrors(t *testing.T) {
	agents := "agents:\n  - name: gpu0\n    program:\n      - job_submit(gpu0, WRITE, IMPLICIT, USAGE)\n"
	for _, tc := range []struct{ name, fence, agents, want string }{
		{"unknown field", "fence:\n  rigns: []\n", agents, `w.yaml:3:3: unknown field "rigns" (did you mean "rings"?)`},
		{"unknown ring field", "fence:\n  rings:\n    - {name: gpu0, jobs: 1, seqno: 3}\n", agents, `w.yaml:4:29: unknown field "seqno" (want one of: name, jobs, seqno-base)`},
		{"too many jobs", "fence:\n  rings:\n    - {name: gpu0, jobs: 3}\n", agents, `w.yaml:4:26: want an integer between 0 and 2, not "3"`},
		{"ring without jobs", "fence:\n  rings:\n    - {name: gpu0}\n", agents, `w.yaml:4:7: ring gpu0 needs jobs`},
		{"duplicate ring", "fence:\n  rings:\n    - {name: gpu0, jobs: 1}\n    - {name: gpu0, jobs: 1}\n", agents, `w.yaml:5:14: ring "gpu0" is declared twice`},
		{"bad ring name", "fence:\n  rings:\n    - {name: 'gpu 0', jobs: 1}\n", agents, `w.yaml:4:14: ring name "gpu 0"`},
		{"bad seqno", "fence:\n  rings:\n    - {name: gpu0, jobs: 1, seqno-base: 0x1ffffffff}\n", agents, `w.yaml:4:41: seqno-base: want a 32-bit seqno`},
		{"unknown rule", "fence:\n  rings: [{name: gpu0, jobs: 1}]\n  rule: 6.21\n", agents, `w.yaml:4:9: unknown replacement rule "6.21" (did you mean "6.12"?)`},
		{"unknown compare", "fence:\n  rings: [{name: gpu0, jobs: 1}]\n  compare: wrap\n", agents, `w.yaml:4:12: unknown seqno comparison "wrap"`},
		{"too many points", "fence:\n  sw-sync-points: 5\n", agents, `w.yaml:3:19: want an integer between 0 and 2, not "5"`},
		{"empty section", "fence:\n  exports: 0\n", agents, `w.yaml:3:3: fence: the section declares no object`},
		{"ring named copy", "fence:\n  rings: [{name: copy, jobs: 1}]\n  copy-engine: true\n", agents, `w.yaml:3:10: rings: a ring cannot be named copy`},
		{"unknown ring in a call", "fence:\n  rings: [{name: gpu0, jobs: 1}]\n", strings.Replace(agents, "job_submit(gpu0", "job_submit(gpu1", 1), `w.yaml:7:20: job_submit(RING, READ|WRITE, IMPLICIT|EXPLICIT|EXPLICIT_IGNORE_KERNEL, USAGE|BOOKKEEP|NONE|BOOKKEEP_THEN_USAGE[_NO_RESERVE]): argument 1 must be a ring (did you mean "gpu0"?), not "gpu1"`},
		{"unknown fence in a guard", "fence:\n  rings: [{name: gpu0, jobs: 1}]\n", agents + "      - when: signaled(gpu0#1)\n        do: run_job(gpu0)\n", `w.yaml:8:24: signaled: "gpu0#1" is not a fence (RING#K, ptV or copy) (did you mean "gpu0#0"?)`},
		{"valid", "fence:\n  rings: [{name: gpu0, jobs: 1, seqno-base: 0xffffffff}]\n  rule: pre-2022\n  compare: naive\n", agents + "      - when: in_resv(gpu0#0, WRITE)\n        do: run_job(gpu0)\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := ParseFile(Builtin(), "w.yaml", []byte("model: world\n"+tc.fence+tc.agents))
			checkFileError(t, err, tc.want)
		})
	}
}
