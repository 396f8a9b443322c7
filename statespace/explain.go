package statespace

// Explainer is implemented by models that tell, in the protocol's words,
// what happens on a counterexample: what a step saw that the state does not
// keep (the value a load returned), the messages between agents a sequence
// diagram should draw (a fence signalled to its waiter), and how the trace
// violates its property. Traces show the model's account instead of the
// generic one ("violated by step n, which sets ...").
type Explainer[S comparable] interface {
	// Explain is called once per counterexample with the trace's states
	// (path[0] is the initial state, path[i] the state after acts[i-1]) and
	// the property it violates (DeadlockProperty for a deadlock). It must be
	// pure: the same arguments give the same account.
	Explain(property string, path []S, acts []Action) Explanation
}

// Explanation is a model's account of a counterexample.
type Explanation struct {
	// Violation says how the trace violates the property, naming the
	// guilty step and what it did in the protocol's words (e.g. "at step 8
	// the CPU read version 0 of line 0 from its cache, but the latest is
	// version 1, ..."); "" leaves the generic sentence.
	Violation string
	// Steps annotates the steps: Steps[i] is step i (Steps[0] the initial
	// state). It may be shorter than the trace, or nil.
	Steps []StepNote
}

// StepNote is what a model says about one step of a trace.
type StepNote struct {
	// Observed is what the step saw that the state does not record, such
	// as the value a CPU load returned; "" for nothing.
	Observed string
	// Messages are the interactions between agents the step completes.
	Messages []Message
}

// Message is an interaction between two agents on a step: an agent
// signalling a fence another waits for, a wait that returns because of
// another agent's signal, a request sent to a remote VM.
type Message struct {
	From, To, Text string
}

// explainViolation asks the model to explain v's trace, replaying the
// trace's actions to get the states (canonicalized where the trace was).
// A trace the model does not reproduce is left unexplained.
func explainViolation[S comparable](m Model[S], v *Violation) {
	ex, ok := m.(Explainer[S])
	if !ok || v == nil || v.Trace == nil || len(v.Trace.Steps) == 0 {
		return
	}
	h, err := newHasher(m)
	if err != nil {
		return
	}
	canon, _ := m.(Canonicalizer[S])
	// pick returns s, or its canonical image, whichever has fingerprint fp.
	pick := func(s S, fp uint64) (S, bool) {
		if h.fingerprint(&s) == fp {
			return s, true
		}
		if canon != nil {
			if c := canon.Canonical(s); h.fingerprint(&c) == fp {
				return c, true
			}
		}
		return s, false
	}
	inits := m.Init()
	t := v.Trace
	if t.InitIndex < 0 || t.InitIndex >= len(inits) {
		return
	}
	s, ok := pick(inits[t.InitIndex], t.Steps[0].Fingerprint)
	if !ok {
		return
	}
	path := []S{s}
	var acts []Action
	for _, st := range t.Steps[1:] {
		a := Action(st.Action)
		if s, ok = pick(m.Step(&s, a), st.Fingerprint); !ok {
			return
		}
		path = append(path, s)
		acts = append(acts, a)
	}
	annotate(ex, v.Property, t, path, acts)
}

// annotate stores the model's explanation of path in t.
func annotate[S comparable](ex Explainer[S], property string, t *Trace, path []S, acts []Action) {
	e := ex.Explain(property, path, acts)
	t.Explanation = e.Violation
	for i, n := range e.Steps {
		if i < len(t.Steps) {
			t.Steps[i].Observed, t.Steps[i].Messages = n.Observed, n.Messages
		}
	}
}
