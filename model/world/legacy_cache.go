package world

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/model"
)

// FromCacheConfig re-expresses a configuration of the earlier cache-and-
// ownership model (package model) as a world: the same objects, the
// exporter's table as hooks, and one agent per actor whose program is the
// earlier model's free choice of calls, each guarded by the discipline
// the configuration asked for (the misuses it allows are the guards it
// drops), and the earlier model's interchangeable devices as the
// world's symmetry declaration. It is the bridge the differential test
// uses to show that the world gives the earlier verdicts; it goes when the
// earlier model does.
func FromCacheConfig(name string, c model.Config) (Spec, error) {
	dis := c.Discipline
	e := c.Exporter
	if dis.MapAroundEveryJob && (e.CacheSGT || e.Dynamic) {
		return Spec{}, fmt.Errorf("%s: mapping around every job with a cached or dynamic exporter has no world program yet", name)
	}
	s := Spec{
		Name:                 name,
		Arch:                 Arch(c.Arch),
		Backing:              Backing(c.Backing),
		Lines:                c.Lines,
		Writes:               c.Writes,
		DMASyncsDeviceCaches: e.SyncDeviceCaches,
	}
	for _, d := range c.Devices {
		s.Devices = append(s.Devices, Device{Name: d.Name, Coherent: d.Coherent, OwnCache: d.OwnCache,
			Dynamic: d.Dynamic, Bounce: d.Bounce, IOMMU: d.IOMMU})
	}
	s.Exporter = Exporter{Name: e.Name, Dynamic: e.Dynamic, CacheSGT: e.CacheSGT}
	if e.RejectNonCoherent {
		s.Exporter.Attach = Hook{{Kind: OpRejectNonCoherent}}
	}
	if e.MapBypassesDMAAPI {
		s.Exporter.Map = Hook{{Kind: OpIOMMUMapDirect}}
	} else {
		s.Exporter.Map = Hook{{Kind: OpDMAMap, SkipCPUSync: e.MapSkipCPUSync}}
	}
	scope := func(sc model.SyncScope) Hook {
		switch sc {
		case model.SyncMapped:
			return Hook{{Kind: OpSyncMapped}}
		case model.SyncExporterDevice:
			return Hook{{Kind: OpSyncExporterDevice}}
		case model.SyncAlways:
			return Hook{{Kind: OpClflush}}
		}
		return nil
	}
	// The earlier model tracked udmabuf's "sg table exists" bit only when
	// user space may end a bracket it never began; so does the world.
	tracksSGT := e.EndNeedsBegin && dis.EndWithoutBegin
	if e.WaitBeforeHook {
		s.Exporter.Begin = append(s.Exporter.Begin, HookOp{Kind: OpWaitFences})
	}
	if tracksSGT {
		s.Exporter.Begin = append(s.Exporter.Begin, HookOp{Kind: OpCreateSGT})
		s.Exporter.End = append(s.Exporter.End, HookOp{Kind: OpNeedSGT})
	}
	s.Exporter.Begin = append(s.Exporter.Begin, scope(e.BeginSync)...)
	s.Exporter.End = append(s.Exporter.End, scope(e.EndSync)...)

	// Agents first (the guards name them), programs after.
	s.Agents = append(s.Agents, Agent{Name: "cpu"})
	if !Backing(c.Backing).uncached() {
		s.Agents = append(s.Agents, Agent{Name: "cpu-cache"})
	}
	for _, dv := range c.Devices {
		s.Agents = append(s.Agents, Agent{Name: dv.Name})
		if dv.OwnCache {
			s.Agents = append(s.Agents, Agent{Name: dv.Name + "-cache"})
		}
	}
	s.Agents = append(s.Agents, Agent{Name: "exporter"})
	var perr error
	// expr parses a guard's text: every guard has a textual form, so the
	// world can be written out as a scenario file.
	expr := func(format string, a ...any) Expr {
		e, err := ParseExpr(fmt.Sprintf(format, a...), &s)
		if err != nil && perr == nil {
			perr = fmt.Errorf("%s: guard %q: %w", name, fmt.Sprintf(format, a...), err)
		}
		return e
	}
	live := expr("live")
	idle := expr("idle(cpu)")
	allIdle := expr("all_idle")
	guard := func(call Call, conds ...Expr) Stmt {
		return When{Cond: And(append([]Expr{live}, conds...)...), Body: call}
	}
	guardAtomic := func(calls Atomic, conds ...Expr) Stmt {
		return When{Cond: And(append([]Expr{live}, conds...)...), Body: calls}
	}
	noDevice := func(atom string) Expr {
		var es []Expr
		for _, d := range c.Devices {
			es = append(es, expr("!%s(%s)", atom, d.Name))
		}
		return And(es...)
	}

	// The CPU: user space through DMA_BUF_IOCTL_SYNC and the mmap, or a
	// kernel user through vmap and dma_buf_begin/end_cpu_access.
	var cpuProg Forever
	start, end := SyncStart, SyncEnd
	if c.KernelCPU {
		start, end = BeginCPUAccess, EndCPUAccess
	}
	startGuard := []Expr{idle}
	if dis.MapAroundEveryJob {
		startGuard = append(startGuard, noDevice("mapped"))
	}
	for d := uint8(1); d <= 3; d++ {
		cpuProg = append(cpuProg, guard(start(d), startGuard...))
	}
	for d := uint8(1); d <= 3; d++ {
		inside := expr("inside(cpu, %s)", syncNames[d])
		if dis.EndWithoutBegin {
			inside = Or(inside, idle)
		}
		cpuProg = append(cpuProg, guard(end(d), inside))
	}
	if !c.KernelCPU {
		cpuProg = append(cpuProg, guard(SyncInvalid(0), idle), guard(SyncInvalid(8), idle))
	}
	for l := range c.Lines {
		for _, want := range []string{"may_read", "may_write"} {
			ok := expr("%s(cpu)", want)
			if dis.UnbracketedCPU {
				ok = Or(ok, idle)
			}
			call := CPURead(l)
			if want == "may_write" {
				call = CPUWrite(l)
			}
			cpuProg = append(cpuProg, guard(call, ok))
		}
	}
	s.Agents[0].Program = cpuProg
	next := 1
	if !Backing(c.Backing).uncached() {
		var cache Forever
		for l := range c.Lines {
			cache = append(cache, guard(Prefetch(l)), guard(Writeback(l)), guard(Evict(l)))
		}
		s.Agents[next].Program = cache
		next++
	}

	for d, dv := range c.Devices {
		n := dv.Name
		jobIdle := expr("job_idle(%s)", n)
		mapOK := allIdle
		if dis.MapDuringCPUAccess {
			mapOK = True
		}
		var prog Forever
		prog = append(prog, guard(Attach(d), expr("!rejected(%s)", n)))
		var detachOK []Expr
		if dv.Dynamic {
			detachOK = append(detachOK, expr("!pinned(%s)", n))
		}
		if !dis.DetachWithJobInFlight {
			detachOK = append(detachOK, expr("!mapped(%s)", n), jobIdle)
		}
		prog = append(prog, guard(Detach(d), detachOK...))
		for dir := DirTo; dir <= DirBidir; dir++ {
			prog = append(prog, guard(Map(d, dir), mapOK, jobIdle))
		}
		prog = append(prog, guard(Unmap(d), mapOK, jobIdle))
		if dv.Dynamic && e.Dynamic {
			prog = append(prog, guard(Pin(d)), guard(Unpin(d)))
		}
		var jobOK []Expr
		if !dis.IgnoreMoveNotify {
			jobOK = append(jobOK, expr("!stale(%s)", n))
		}
		if dis.MapAroundEveryJob {
			jobOK = append(jobOK, expr("fresh(%s)", n))
		}
		readOK, writeOK := jobOK, jobOK
		if !dis.RaceCPUAndDevice {
			// User space orders CPU access and device jobs: no job while
			// the CPU is inside a conflicting bracket.
			readOK = append(append([]Expr(nil), jobOK...), expr("!begun_writing(cpu)"))
			writeOK = append(append([]Expr(nil), jobOK...), idle)
		}
		for l := range c.Lines {
			if dis.ImporterSyncs {
				prog = append(prog, guardAtomic(Atomic{SyncForDevice(d), JobRead(d, l)}, readOK...),
					guardAtomic(Atomic{JobWrite(d, l), SyncForDevice(d)}, writeOK...))
			} else {
				prog = append(prog, guard(JobRead(d, l), readOK...), guard(JobWrite(d, l), writeOK...))
			}
		}
		done := Atomic{JobDone(d)}
		if dis.ImporterSyncs {
			done = append(done, SyncForCPU(d))
		}
		if dis.MapAroundEveryJob {
			done = append(done, Unmap(d))
		}
		if len(done) == 1 {
			prog = append(prog, guard(done[0]))
		} else {
			prog = append(prog, guardAtomic(done))
		}
		if dis.SyncUnmapped {
			prog = append(prog, guard(SyncForCPU(d), jobIdle), guard(SyncForDevice(d), jobIdle))
		}
		s.Agents[next].Program = prog
		next++
		if dv.OwnCache {
			var cache Forever
			for l := range c.Lines {
				cache = append(cache, guard(DevWriteback(d, l)), guard(DevEvict(d, l)))
			}
			s.Agents[next].Program = cache
			next++
		}
	}

	var exp Forever
	if e.Dynamic {
		exp = append(exp, guard(MoveNotify(), allIdle))
	}
	releaseOK := []Expr{allIdle}
	if !dis.ReleaseWhileAttached {
		releaseOK = append(releaseOK, noDevice("attached"))
	}
	exp = append(exp, guard(Release(), releaseOK...))
	s.Agents[next].Program = exp

	// The interchangeable devices of the earlier model's reduction
	// (model.Model.SymmetryGroups), each with its driver and its cache.
	if m, err := model.New(c); err == nil {
		for _, g := range m.SymmetryGroups() {
			if len(g) < 2 {
				continue
			}
			var names []string
			for _, d := range g {
				names = append(names, c.Devices[d].Name)
			}
			s.Symmetry = append(s.Symmetry, names)
		}
	}
	return s, perr
}
