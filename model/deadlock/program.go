package deadlock

import "fmt"

// world builds a Config: named objects, agents declared before their
// programs (a callback names the agent that registered it).
type world struct {
	cfg    Config
	agents map[string]int
}

func newWorld() *world { return &world{agents: map[string]int{}} }

func (w *world) lock(name string, k LockKind) int {
	w.cfg.Locks = append(w.cfg.Locks, Lock{Name: name, Kind: k})
	return len(w.cfg.Locks) - 1
}

func (w *world) fence(f Fence) int {
	w.cfg.Fences = append(w.cfg.Fences, f)
	return len(w.cfg.Fences) - 1
}

func (w *world) channel(name string) int {
	w.cfg.Channels = append(w.cfg.Channels, name)
	return len(w.cfg.Channels) - 1
}

func (w *world) device(name string) int {
	w.cfg.Devices = append(w.cfg.Devices, name)
	return len(w.cfg.Devices) - 1
}

// agent declares an agent (its program is set later with run).
func (w *world) agent(name string) int {
	if i, ok := w.agents[name]; ok {
		return i
	}
	w.cfg.Agents = append(w.cfg.Agents, Agent{Name: name})
	w.agents[name] = len(w.cfg.Agents) - 1
	return len(w.cfg.Agents) - 1
}

// run sets agent name's program.
func (w *world) run(name string, p *prog) {
	w.cfg.Agents[w.agent(name)].Program = p.build(name)
}

// prog assembles one program. Targets are labels, resolved by build; an
// unset Next is the following step, and every step with an alternative
// outcome must have its Else set.
type prog struct {
	ins    []Instr
	note   string
	labels map[string]int
	refs   []labelRef
}

type labelRef struct {
	at    int
	else_ bool
	label string
}

func newProg() *prog { return &prog{labels: map[string]int{}} }

// job sets the note of the following steps ("job 1").
func (p *prog) job(j int) *prog { p.note = fmt.Sprintf("job %d", j+1); return p }

// at places label on the next step.
func (p *prog) at(label string) { p.labels[label] = len(p.ins) }

func (p *prog) emit(in Instr) int {
	in.Note = p.note
	in.Next, in.Else = -1, -1
	p.ins = append(p.ins, in)
	return len(p.ins) - 1
}

// next and els set the targets of step i to label.
func (p *prog) next(i int, label string) { p.refs = append(p.refs, labelRef{i, false, label}) }
func (p *prog) els(i int, label string)  { p.refs = append(p.refs, labelRef{i, true, label}) }

func (p *prog) build(agent string) []Instr {
	for _, r := range p.refs {
		t, ok := p.labels[r.label]
		if !ok {
			panic(fmt.Sprintf("deadlock: program of %s: undefined label %q", agent, r.label))
		}
		if r.else_ {
			p.ins[r.at].Else = t
		} else {
			p.ins[r.at].Next = t
		}
	}
	for i := range p.ins {
		if p.ins[i].Next < 0 {
			p.ins[i].Next = i + 1
		}
		if opInfo[p.ins[i].Op].alt && p.ins[i].Else < 0 {
			panic(fmt.Sprintf("deadlock: program of %s: step %d (%s) has no Else target", agent, i, p.ins[i].Op))
		}
	}
	return p.ins
}

// Steps. Each returns the step's index.
func (p *prog) nop(call string) int { return p.emit(Instr{Op: OpNop, Call: call}) }
func (p *prog) lock(l int) int      { return p.emit(Instr{Op: OpLock, Obj: l}) }
func (p *prog) unlock(l int) int    { return p.emit(Instr{Op: OpUnlock, Obj: l}) }
func (p *prog) wwInit() int         { return p.emit(Instr{Op: OpWWInit}) }
func (p *prog) wwFini() int         { return p.emit(Instr{Op: OpWWFini}) }
func (p *prog) wwUnlockAll() int    { return p.emit(Instr{Op: OpWWUnlockAll}) }
func (p *prog) wwLockSlow() int     { return p.emit(Instr{Op: OpWWLockSlow}) }
func (p *prog) wwLock(l int, onDeadlk string) int {
	i := p.emit(Instr{Op: OpWWLock, Obj: l})
	p.els(i, onDeadlk)
	return i
}
func (p *prog) publish(f int) int  { return p.emit(Instr{Op: OpPublish, Obj: f}) }
func (p *prog) await(f int) int    { return p.emit(Instr{Op: OpAwait, Obj: f}) }
func (p *prog) waitDeps(f int) int { return p.emit(Instr{Op: OpWaitDeps, Obj: f}) }
func (p *prog) wait(f int) int     { return p.emit(Instr{Op: OpWait, Obj: f}) }
func (p *prog) signal(f int) int   { return p.emit(Instr{Op: OpSignal, Obj: f}) }
func (p *prog) signalLocked(f int) int {
	return p.emit(Instr{Op: OpSignalLocked, Obj: f})
}
func (p *prog) waitResv(r int, u Usage) int {
	return p.emit(Instr{Op: OpWaitResv, Obj: r, Arg: int(u)})
}
func (p *prog) begin() int       { return p.emit(Instr{Op: OpBeginSignalling}) }
func (p *prog) end() int         { return p.emit(Instr{Op: OpEndSignalling}) }
func (p *prog) allocAtomic() int { return p.emit(Instr{Op: OpAllocAtomic}) }
func (p *prog) get(f int) int    { return p.emit(Instr{Op: OpFenceGet, Obj: f}) }
func (p *prog) send(c int) int   { return p.emit(Instr{Op: OpSend, Obj: c}) }
func (p *prog) recv(c int) int   { return p.emit(Instr{Op: OpRecv, Obj: c}) }

// allocKernel is kmalloc(GFP_KERNEL): the fast path skips the shrinker
// step that direct reclaim runs.
func (p *prog) allocKernel() int {
	i := p.emit(Instr{Op: OpAllocKernel})
	p.emit(Instr{Op: OpShrink})
	p.ins[i].Else = i + 2
	return i
}

// branch emits in, then body for the main outcome; the alternative one
// skips body.
func (p *prog) branch(in Instr, body func()) int {
	i := p.emit(in)
	if body != nil {
		body()
	}
	p.ins[i].Else = len(p.ins)
	return i
}

// put is dma_fence_put(f); release runs when it drops the last reference.
func (p *prog) put(f int, release func()) int {
	return p.branch(Instr{Op: OpFencePut, Obj: f}, release)
}

// call sets the label text of step i.
func (p *prog) call(i int, c string) int { p.ins[i].Call = c; return i }

// idle marks step i as a place where the agent may wait forever.
func (p *prog) idle(i int) int { p.ins[i].Idle = true; return i }
