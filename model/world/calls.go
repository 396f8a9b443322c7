package world

import "fmt"

// CallKind names a kernel call (or one hardware event) an agent's program
// can make. Each is defined once, in the semantics table of its family
// (cacheCallDefs, fenceCallDefs, ...): its kernel name, its steps, when it
// is enabled and what it does. The high byte is the family.
type CallKind uint16

// Families of calls. Each family owns the objects its calls act on, a
// section of the packed state, its properties and its files:
// cache.go (the buffer, caches, attachments, mappings, DMA API and
// exporter hooks), fence.go (dma_fence, dma_resv, jobs, sync_file,
// sw_sync), lock.go (mutexes, ww_mutexes, spinlocks, lockdep), vm.go
// (VMs, rings, remote exporters) and p2p.go (PCIe topology, peer DMA).
const (
	famCache = iota
	famFence
	famLock
	famVM
	famP2P
	famLife // life.go: reference-counted objects, fds and lists (issue 18)
	numFamilies
)

func familyOf(k CallKind) int { return int(k >> 8) }

// Calls of the cache family.
const (
	// User space through the dma-buf file and its mmap.
	KSyncStart   CallKind = iota // DMA_BUF_IOCTL_SYNC(START|dir): dma_buf_begin_cpu_access, two steps (hook, fence wait)
	KSyncEnd                     // DMA_BUF_IOCTL_SYNC(END|dir): dma_buf_end_cpu_access
	KSyncInvalid                 // DMA_BUF_IOCTL_SYNC with flags the kernel rejects: -EINVAL
	KBeginCPU                    // dma_buf_begin_cpu_access(dir) from the kernel (vmap users)
	KEndCPU                      // dma_buf_end_cpu_access(dir) from the kernel
	KCPURead                     // a load from the mapping
	KCPUWrite                    // a store to the mapping
	// The CPU cache (hardware).
	KPrefetch  // a speculative fill of an invalid line
	KWriteback // a dirty line is written back
	KEvict     // a clean line is dropped
	// An importer's driver and its device.
	KAttach        // dma_buf_attach / dma_buf_dynamic_attach
	KDetach        // dma_buf_detach
	KMap           // dma_buf_map_attachment(dir)
	KUnmap         // dma_buf_unmap_attachment
	KPin           // dma_buf_pin
	KUnpin         // dma_buf_unpin
	KJobRead       // the device's DMA read job starts (it reads at the start)
	KJobWrite      // the device's DMA write job starts
	KJobDone       // the job completes (a write lands) and its fence signals
	KSyncForCPU    // dma_sync_sgtable_for_cpu by the importer's driver
	KSyncForDevice // dma_sync_sgtable_for_device by the importer's driver
	// A device's own cache (hardware).
	KDevWriteback
	KDevEvict
	// The exporter.
	KMoveNotify // the exporter moves the buffer: dma_buf_move_notify
	KRelease    // the last dma_buf_put: dma_buf_release
	numCacheCalls
)

// Call is one kernel call with its arguments: the device (importer index),
// the cache line, the direction (SYNC flags READ=1, WRITE=2, RW=3 for the
// CPU calls; DirTo, DirFrom, DirBidir for map), an object of the call's
// family (a fence, a lock, a VM: Obj) and a number (a seqno, a usage, a
// point: N). Which arguments a call takes is in its callDef; unused ones
// are zero.
type Call struct {
	Kind CallKind
	Dev  int
	Line int
	Dir  uint8
	Obj  int
	N    int
	// Text is the program's own words for the call, shown in traces (lock
	// family): a driver's name replacing the kernel call ("execbuf ioctl
	// returns"), a note in brackets appended to it ("[job 1]"), or both.
	Text string
}

// DMA directions (0 = not mapped).
const (
	DirTo    uint8 = 1 // DMA_TO_DEVICE: the device reads
	DirFrom  uint8 = 2 // DMA_FROM_DEVICE: the device writes
	DirBidir uint8 = 3 // DMA_BIDIRECTIONAL
)

// SYNC flags of DMA_BUF_IOCTL_SYNC (and the CPU's access direction).
const (
	SyncRead  uint8 = 1
	SyncWrite uint8 = 2
	SyncRW    uint8 = 3
)

// Constructors, named after the calls.

// SyncStart is DMA_BUF_IOCTL_SYNC(START|dir).
func SyncStart(dir uint8) Call { return Call{Kind: KSyncStart, Dir: dir} }

// SyncEnd is DMA_BUF_IOCTL_SYNC(END|dir).
func SyncEnd(dir uint8) Call { return Call{Kind: KSyncEnd, Dir: dir} }

// SyncInvalid is DMA_BUF_IOCTL_SYNC with invalid flags (0: START without
// READ or WRITE; 8: an unknown bit).
func SyncInvalid(flags uint8) Call { return Call{Kind: KSyncInvalid, Dir: flags} }

// BeginCPUAccess is dma_buf_begin_cpu_access from the kernel; dir is given
// as SYNC flags (READ is DMA_FROM_DEVICE, WRITE DMA_TO_DEVICE).
func BeginCPUAccess(dir uint8) Call { return Call{Kind: KBeginCPU, Dir: dir} }

// EndCPUAccess is dma_buf_end_cpu_access from the kernel.
func EndCPUAccess(dir uint8) Call { return Call{Kind: KEndCPU, Dir: dir} }

// CPURead is a load of line l through the mapping.
func CPURead(l int) Call { return Call{Kind: KCPURead, Line: l} }

// CPUWrite is a store to line l through the mapping.
func CPUWrite(l int) Call { return Call{Kind: KCPUWrite, Line: l} }

// Prefetch is the CPU cache filling line l speculatively.
func Prefetch(l int) Call { return Call{Kind: KPrefetch, Line: l} }

// Writeback is the CPU cache writing dirty line l back.
func Writeback(l int) Call { return Call{Kind: KWriteback, Line: l} }

// Evict is the CPU cache dropping clean line l.
func Evict(l int) Call { return Call{Kind: KEvict, Line: l} }

// Attach is dma_buf_attach (dma_buf_dynamic_attach for a dynamic
// importer) of device d.
func Attach(d int) Call { return Call{Kind: KAttach, Dev: d} }

// Detach is dma_buf_detach of device d's attachment.
func Detach(d int) Call { return Call{Kind: KDetach, Dev: d} }

// Map is dma_buf_map_attachment(d's attachment, dir).
func Map(d int, dir uint8) Call { return Call{Kind: KMap, Dev: d, Dir: dir} }

// Unmap is dma_buf_unmap_attachment of d's mapping.
func Unmap(d int) Call { return Call{Kind: KUnmap, Dev: d} }

// Pin is dma_buf_pin(d's attachment).
func Pin(d int) Call { return Call{Kind: KPin, Dev: d} }

// Unpin is dma_buf_unpin(d's attachment).
func Unpin(d int) Call { return Call{Kind: KUnpin, Dev: d} }

// JobRead starts device d's DMA read of line l.
func JobRead(d, l int) Call { return Call{Kind: KJobRead, Dev: d, Line: l} }

// JobWrite starts device d's DMA write of line l.
func JobWrite(d, l int) Call { return Call{Kind: KJobWrite, Dev: d, Line: l} }

// JobDone completes device d's job and signals its fence.
func JobDone(d int) Call { return Call{Kind: KJobDone, Dev: d} }

// SyncForCPU is dma_sync_sgtable_for_cpu on d's sg table.
func SyncForCPU(d int) Call { return Call{Kind: KSyncForCPU, Dev: d} }

// SyncForDevice is dma_sync_sgtable_for_device on d's sg table.
func SyncForDevice(d int) Call { return Call{Kind: KSyncForDevice, Dev: d} }

// DevWriteback is device d's own cache writing dirty line l back.
func DevWriteback(d, l int) Call { return Call{Kind: KDevWriteback, Dev: d, Line: l} }

// DevEvict is device d's own cache dropping clean line l.
func DevEvict(d, l int) Call { return Call{Kind: KDevEvict, Dev: d, Line: l} }

// MoveNotify is the exporter moving the buffer (dma_buf_move_notify).
func MoveNotify() Call { return Call{Kind: KMoveNotify} }

// Release is the last dma_buf_put (dma_buf_release).
func Release() Call { return Call{Kind: KRelease} }

// callDef is one entry of the semantics table.
type callDef struct {
	// name is the kernel's name of the call.
	name string
	// kernel is the source the semantics follow.
	kernel string
	// steps is 1, or 2 for a call that blocks in the middle.
	steps int
	// dev, line say which arguments the call takes.
	dev, line bool
}

var cacheCallDefs = [numCacheCalls]callDef{
	KSyncStart:     {name: "DMA_BUF_IOCTL_SYNC(START)", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_ioctl, dma_buf_begin_cpu_access, __dma_buf_begin_cpu_access; drivers/dma-buf/dma-resv.c: dma_resv_wait_timeout", steps: 2},
	KSyncEnd:       {name: "DMA_BUF_IOCTL_SYNC(END)", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_ioctl, dma_buf_end_cpu_access", steps: 1},
	KSyncInvalid:   {name: "DMA_BUF_IOCTL_SYNC", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_ioctl (DMA_BUF_SYNC_VALID_FLAGS_MASK)", steps: 1},
	KBeginCPU:      {name: "dma_buf_begin_cpu_access", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_begin_cpu_access, __dma_buf_begin_cpu_access; drivers/dma-buf/dma-resv.c: dma_resv_wait_timeout", steps: 2},
	KEndCPU:        {name: "dma_buf_end_cpu_access", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_end_cpu_access", steps: 1},
	KCPURead:       {name: "cpu_read", kernel: "a load through dma_buf_mmap / dma_buf_vmap", steps: 1, line: true},
	KCPUWrite:      {name: "cpu_write", kernel: "a store through dma_buf_mmap / dma_buf_vmap", steps: 1, line: true},
	KPrefetch:      {name: "cache_prefetch", kernel: "CPU hardware: speculative line fill", steps: 1, line: true},
	KWriteback:     {name: "cache_writeback", kernel: "CPU hardware: dirty line written back", steps: 1, line: true},
	KEvict:         {name: "cache_evict", kernel: "CPU hardware: clean line dropped", steps: 1, line: true},
	KAttach:        {name: "dma_buf_attach", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_dynamic_attach", steps: 1, dev: true},
	KDetach:        {name: "dma_buf_detach", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_detach", steps: 1, dev: true},
	KMap:           {name: "dma_buf_map_attachment", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_map_attachment", steps: 1, dev: true},
	KUnmap:         {name: "dma_buf_unmap_attachment", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_unmap_attachment", steps: 1, dev: true},
	KPin:           {name: "dma_buf_pin", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_pin", steps: 1, dev: true},
	KUnpin:         {name: "dma_buf_unpin", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_unpin", steps: 1, dev: true},
	KJobRead:       {name: "DMA read job", kernel: "the importer's job: reads through its mapping", steps: 1, dev: true, line: true},
	KJobWrite:      {name: "DMA write job", kernel: "the importer's job: writes through its mapping", steps: 1, dev: true, line: true},
	KJobDone:       {name: "job done, fence signalled", kernel: "drivers/dma-buf/dma-fence.c: dma_fence_signal", steps: 1, dev: true},
	KSyncForCPU:    {name: "dma_sync_sgtable_for_cpu", kernel: "kernel/dma/mapping.c: dma_sync_sgtable_for_cpu", steps: 1, dev: true},
	KSyncForDevice: {name: "dma_sync_sgtable_for_device", kernel: "kernel/dma/mapping.c: dma_sync_sgtable_for_device", steps: 1, dev: true},
	KDevWriteback:  {name: "device cache writeback", kernel: "device hardware: dirty line written back", steps: 1, dev: true, line: true},
	KDevEvict:      {name: "device cache evict", kernel: "device hardware: clean line dropped", steps: 1, dev: true, line: true},
	KMoveNotify:    {name: "dma_buf_move_notify", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_move_notify", steps: 1},
	KRelease:       {name: "dma_buf_put (last reference): dma_buf_release", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_release", steps: 1},
}

// def returns the call's entry in its family's semantics table, or nil.
func (c Call) def() *callDef {
	i := int(c.Kind & 0xff)
	var table []callDef
	switch familyOf(c.Kind) {
	case famCache:
		table = cacheCallDefs[:]
	case famFence:
		table = fenceCallDefs[:]
	case famLock:
		table = lockCallDefs[:]
	case famVM:
		table = vmCallDefs[:]
	case famP2P:
		table = p2pCallDefs[:]
	case famLife:
		table = lifeCallDefs[:]
	}
	if i >= len(table) {
		return nil
	}
	return &table[i]
}

// callName renders step i of a call with its arguments, as traces show it.
func (c *core) callName(call Call, step int) string {
	switch familyOf(call.Kind) {
	case famFence:
		return c.fenceCallName(call, step)
	case famLock:
		return c.lockCallName(call, step)
	case famVM:
		return c.vmCallName(call, step)
	case famP2P:
		return c.p2pCallName(call, step)
	case famLife:
		return c.lifeCallName(call, step)
	}
	return c.cacheCallName(call, step)
}

// callEnabled is the kernel's own condition for a call's step: a blocking
// wait that cannot return yet, hardware with nothing to do, an object the
// call needs that is not there. What a correct caller would or would not
// do is not here: that is the program's business (When guards).
func (v View) callEnabled(ag int, c Call, step int) bool {
	switch familyOf(c.Kind) {
	case famFence:
		return v.fenceEnabled(ag, c, step)
	case famLock:
		return v.lockEnabled(ag, c, step)
	case famVM:
		return v.vmEnabled(ag, c, step)
	case famP2P:
		return v.p2pEnabled(ag, c, step)
	case famLife:
		return v.lifeEnabled(ag, c, step)
	}
	return v.cacheEnabled(ag, c, step)
}

// callApply performs a call's step.
func (v View) callApply(ag int, c Call, step int) {
	switch familyOf(c.Kind) {
	case famFence:
		v.fenceApply(ag, c, step)
	case famLock:
		v.lockApply(ag, c, step)
	case famVM:
		v.vmApply(ag, c, step)
	case famP2P:
		v.p2pApply(ag, c, step)
	case famLife:
		v.lifeApply(ag, c, step)
	default:
		v.cacheApply(ag, c, step)
	}
}

// checkCall rejects a call whose arguments name objects the world does not
// have, or that the world's configuration cannot make.
func (c *core) checkCall(call Call) error {
	switch familyOf(call.Kind) {
	case famFence:
		return c.fenceCheckCall(call)
	case famLock:
		return c.lockCheckCall(call)
	case famVM:
		return c.vmCheckCall(call)
	case famP2P:
		return c.p2pCheckCall(call)
	case famLife:
		return c.lifeCheckCall(call)
	}
	return c.cacheCheckCall(call)
}

// stepName renders step i of a call kind without its arguments.
func (d *callDef) stepName(i int) string {
	if i == 1 {
		return d.name + " (fence wait)"
	}
	return d.name
}

var dirNames = [4]string{"", "DMA_TO_DEVICE", "DMA_FROM_DEVICE", "DMA_BIDIRECTIONAL"}
var syncNames = [4]string{"", "READ", "WRITE", "RW"}

// kernelDir is the DMA direction dma_buf_ioctl passes for SYNC flags:
// READ is DMA_FROM_DEVICE, WRITE DMA_TO_DEVICE, RW DMA_BIDIRECTIONAL.
var kernelDir = [4]uint8{0, DirFrom, DirTo, DirBidir}

// cacheCallName renders step i of a cache-family call.
func (c *core) cacheCallName(call Call, step int) string {
	dev := func() string { return c.devName(call.Dev) }
	switch call.Kind {
	case KSyncStart, KBeginCPU:
		name := fmt.Sprintf("DMA_BUF_IOCTL_SYNC(START|%s)", syncNames[call.Dir&3])
		if call.Kind == KBeginCPU {
			name = fmt.Sprintf("dma_buf_begin_cpu_access(%s)", dirNames[kernelDir[call.Dir&3]])
		}
		if step == 0 {
			return name
		}
		usage := "DMA_RESV_USAGE_WRITE"
		if call.Dir&SyncWrite != 0 {
			usage = "DMA_RESV_USAGE_READ"
		}
		what := syncNames[call.Dir&3]
		if call.Kind == KBeginCPU {
			what = dirNames[kernelDir[call.Dir&3]]
		}
		return fmt.Sprintf("dma_resv_wait_timeout(%s) in begin_cpu_access(%s)", usage, what)
	case KSyncEnd:
		return fmt.Sprintf("DMA_BUF_IOCTL_SYNC(END|%s)", syncNames[call.Dir&3])
	case KEndCPU:
		return fmt.Sprintf("dma_buf_end_cpu_access(%s)", dirNames[kernelDir[call.Dir&3]])
	case KSyncInvalid:
		if call.Dir == 0 {
			return "DMA_BUF_IOCTL_SYNC(START) = -EINVAL"
		}
		return fmt.Sprintf("DMA_BUF_IOCTL_SYNC(%#x) = -EINVAL", call.Dir)
	case KCPURead, KCPUWrite, KPrefetch, KWriteback, KEvict:
		return fmt.Sprintf("%s(line %d)", cacheCallDefs[call.Kind].name, call.Line)
	case KMap:
		return fmt.Sprintf("dma_buf_map_attachment(%s, %s)", dev(), dirNames[call.Dir&3])
	case KJobRead, KJobWrite, KDevWriteback, KDevEvict:
		if r := c.tiedRing(call.Dev); r >= 0 && call.Kind != KDevWriteback && call.Kind != KDevEvict {
			return fmt.Sprintf("%s: run_job of ring %s: %s (line %d)", dev(), c.spec.Fence.Rings[r].Name, cacheCallDefs[call.Kind].name, call.Line)
		}
		return fmt.Sprintf("%s: %s (line %d)", dev(), cacheCallDefs[call.Kind].name, call.Line)
	case KJobDone:
		if f := c.tiedLock(call.Dev); f >= 0 {
			return fmt.Sprintf("%s: job done, dma_fence_signal(%s)", dev(), c.spec.Locks.Fences[f].Name)
		}
		if r := c.tiedRing(call.Dev); r >= 0 {
			return fmt.Sprintf("%s: job done, dma_fence_signal of ring %s's job", dev(), c.spec.Fence.Rings[r].Name)
		}
		return fmt.Sprintf("%s: %s", dev(), cacheCallDefs[call.Kind].name)
	case KAttach, KDetach, KUnmap, KPin, KUnpin, KSyncForCPU, KSyncForDevice:
		return fmt.Sprintf("%s(%s)", cacheCallDefs[call.Kind].name, dev())
	}
	return cacheCallDefs[call.Kind].name
}

func (c *core) devName(d int) string {
	if d >= 0 && d < len(c.spec.Devices) {
		return c.spec.Devices[d].Name
	}
	return fmt.Sprintf("dev%d", d)
}

// checkCalls checks every call of a compiled program.
func (c *core) checkCalls(agent string, p *program) error {
	for _, node := range p.nodes {
		for _, e := range node {
			for _, call := range e.Ops {
				if call.def() == nil {
					return fmt.Errorf("unknown call kind %#x", call.Kind)
				}
				if err := c.checkCall(call); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// cacheCheckCall checks a cache-family call.
func (c *core) cacheCheckCall(call Call) error {
	s := &c.spec
	d := call.def()
	if d.dev && (call.Dev < 0 || call.Dev >= len(s.Devices)) {
		return fmt.Errorf("%s: no device %d (the world has %d)", d.name, call.Dev, len(s.Devices))
	}
	if d.line && (call.Line < 0 || call.Line >= s.Lines) {
		return fmt.Errorf("%s: no line %d (the buffer has %d)", d.name, call.Line, s.Lines)
	}
	switch call.Kind {
	case KSyncStart, KSyncEnd, KBeginCPU, KEndCPU:
		if call.Dir < 1 || call.Dir > 3 {
			return fmt.Errorf("%s: direction must be READ, WRITE or RW", d.name)
		}
	case KMap:
		if call.Dir < DirTo || call.Dir > DirBidir {
			return fmt.Errorf("%s: direction must be DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL", d.name)
		}
	case KPrefetch, KWriteback, KEvict:
		if s.Backing.uncached() {
			return fmt.Errorf("%s: the %s buffer bypasses the CPU cache", d.name, s.Backing)
		}
	case KDevWriteback, KDevEvict:
		if !s.Devices[call.Dev].OwnCache {
			return fmt.Errorf("%s: device %s has no cache of its own", d.name, s.Devices[call.Dev].Name)
		}
	case KPin, KUnpin:
		if !s.Exporter.Dynamic || !s.Devices[call.Dev].Dynamic {
			return fmt.Errorf("%s: pinning needs a dynamic exporter and a dynamic importer", d.name)
		}
	case KMoveNotify:
		if !s.Exporter.Dynamic {
			return fmt.Errorf("%s: only a dynamic exporter moves its buffer", d.name)
		}
	}
	return nil
}
