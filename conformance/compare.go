package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/conformance/wire"
)

// Report is the outcome of replaying one boot's records through the model.
type Report struct {
	// Calls is the number of probed calls whose result the model predicted;
	// Checks the number of values compared (errno, readiness, blocked,
	// sync_file contents, resv entries, wake-ups…).
	Calls, Checks int
	// Mismatches are the disagreements not explained by a known model gap;
	// Known those that are (gaps.go).
	Mismatches, Known []Mismatch
	// Scenarios ran; Skipped did not (the kernel lacked a feature), with
	// the reason.
	Scenarios []string
	Skipped   map[string]string
	// Env is the guest's environment record (release, modules, features).
	Env map[string]string
	// UnusedGaps are known gaps that did not show up.
	UnusedGaps []string
}

// Compare replays the records, scenario by scenario, through a fresh
// world each, and collects the disagreements.
func Compare(recs []wire.Record) Report {
	rep := Report{Skipped: map[string]string{}}
	var order []string
	byScn := map[string][]wire.Record{}
	for _, r := range recs {
		if r.Op == wire.OpEnv {
			rep.Env = r.Str
			continue
		}
		if _, ok := byScn[r.Scn]; !ok {
			order = append(order, r.Scn)
		}
		byScn[r.Scn] = append(byScn[r.Scn], r)
	}
	for _, scn := range order {
		rs := byScn[scn]
		last := rs[len(rs)-1]
		if last.Op == wire.OpScenarioEnd && strings.HasPrefix(last.Note, "skipped:") {
			rep.Skipped[scn] = strings.TrimSpace(strings.TrimPrefix(last.Note, "skipped:"))
			continue
		}
		rep.Scenarios = append(rep.Scenarios, scn)
		w, err := newWorld(rs)
		if err != nil {
			rep.Mismatches = append(rep.Mismatches, Mismatch{Scn: scn, Call: "scenario", Field: "replay", Model: err.Error()})
			continue
		}
		func() {
			defer func() {
				if e := recover(); e != nil {
					w.bad = append(w.bad, Mismatch{Scn: scn, Call: "scenario", Field: "replay", Model: fmt.Sprintf("panic: %v", e)})
				}
			}()
			for i := range rs {
				w.apply(&rs[i])
			}
		}()
		if last.Op != wire.OpScenarioEnd {
			w.bad = append(w.bad, Mismatch{Seq: last.Seq, Scn: scn, Call: "scenario", Field: "end", Kernel: "no scenario_end record (the guest died?)", Model: "scenario_end"})
		} else if last.Note != "" {
			w.bad = append(w.bad, Mismatch{Seq: last.Seq, Scn: scn, Call: "scenario", Field: "end", Kernel: last.Note, Model: "completed"})
		}
		rep.Calls += w.calls
		rep.Checks += w.checks
		for _, m := range w.bad {
			if why := knownGap(m); why != "" {
				m.Known = why
				rep.Known = append(rep.Known, m)
			} else {
				rep.Mismatches = append(rep.Mismatches, m)
			}
		}
	}
	used := map[int]bool{}
	for _, m := range rep.Known {
		for i, g := range knownGaps {
			if g.matches(m) {
				used[i] = true
			}
		}
	}
	for i, g := range knownGaps {
		if !used[i] && rep.ran(g.scn) {
			rep.UnusedGaps = append(rep.UnusedGaps, fmt.Sprintf("%s %s %s", g.scn, g.call, g.field))
		}
	}
	return rep
}

func (r Report) ran(scn string) bool {
	for _, s := range r.Scenarios {
		if s == scn {
			return true
		}
	}
	return false
}

// WriteRecords writes records as JSON lines.
func WriteRecords(path string, recs []wire.Record) error {
	var b strings.Builder
	for _, r := range recs {
		j, err := json.Marshal(r)
		if err != nil {
			return err
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// ReadRecords reads records written by WriteRecords.
func ReadRecords(path string) ([]wire.Record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var recs []wire.Record
	for i, l := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		var r wire.Record
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		recs = append(recs, r)
	}
	return recs, nil
}

// Summary is the report's one-line verdict.
func (r Report) Summary() string {
	s := fmt.Sprintf("%d scenarios, %d calls, %d values compared: ", len(r.Scenarios), r.Calls, r.Checks)
	switch {
	case len(r.Mismatches) == 0 && len(r.Known) == 0:
		s += "all agree"
	case len(r.Mismatches) == 0:
		s += fmt.Sprintf("all agree but %d known model gaps", len(r.Known))
	default:
		s += fmt.Sprintf("%d disagreements, %d known model gaps", len(r.Mismatches), len(r.Known))
	}
	if len(r.Skipped) > 0 {
		s += fmt.Sprintf("; %d scenarios skipped", len(r.Skipped))
	}
	return s
}

// Predicted reports whether the model predicts the result of records of
// operation op (the others are the environment, setup calls that must
// succeed, and scenario ends).
func Predicted(op string) bool {
	switch op {
	case wire.OpEnv, wire.OpSetup, wire.OpScenarioEnd, wire.OpVgemDumb, wire.OpVgemImport, wire.OpSwOpen:
		return false
	}
	return true
}
