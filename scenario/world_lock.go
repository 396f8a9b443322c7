package scenario

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/dmabufcheck/dmabufcheck/model/world"
)

// The "locks" section of a world file declares the lock family's objects
// (world.LockSpec):
//
//	locks:
//	  ww-class: wait-die          # or wound-wait (reservation_ww_class's algorithm)
//	  lockdep-priming: false      # turn off dma_resv_lockdep()'s boot-time priming
//	  liveness: true              # check that every fence is eventually signalled
//	  lock-order: true            # check lockdep's lock-order rule (lock-order)
//	  locks:                      # in lockdep's order
//	    - {name: bo, kind: resv}  # resv, mutex or spinlock
//	    - {name: buf, kind: resv, dma-buf: true}  # the dma-buf's own dma_resv (at most one)
//	  fences:
//	    - {name: job, resv: bo, usage: DMA_RESV_USAGE_WRITE, deps: DMA_RESV_USAGE_WRITE, lock: fence_lock}
//	    - {name: pt, indefinite: true, published: true, refs: 1}
//	    - {name: stub, published: true, signalled: true}  # exists already signalled (dma_fence_get_stub)
//	    - {name: A, container: array, members: [job, pt], array-signaled: members}  # dma_fence_array (array-signaled: the fixed op)
//	    - {name: P1, container: chain, members: [job], syncobj: tl, point: 1}  # a timeline point
//	  syncobjs: [tl]              # drm_syncobj timelines
//	  channels: [ring]            # messages: requests, replies, irq_work, completions
//	  pm-devices: [gpu]           # devices with runtime PM
//	  suspended-bar: lost         # bar_dma to a suspended device: stall (default) or lost (issue 18)
//	  idle:                       # points where an agent may wait forever
//	    - {agent: irq, label: wait}

// lockSectionFields are the fields of the section, lockFields of a lock
// and lockFenceFields of a fence.
var (
	lockSectionFields = []string{"ww-class", "lockdep-priming", "liveness", "lock-order", "locks", "fences", "syncobjs", "channels", "pm-devices", "idle", "suspended-bar"}
	lockFields        = []string{"name", "kind", "dma-buf"}
	lockFenceFields   = []string{"name", "resv", "usage", "deps", "lock", "indefinite", "published", "signalled", "refs", "pending", "container", "members", "array-signaled", "syncobj", "point"}
	containerKinds    = []string{"none", "array", "chain"}    // world.ContainerKind order
	arraySignaledOps  = []string{"num-pending", "members"}    // v6.12's dma_fence_array_signaled, the fixed one
	lockKinds         = []string{"resv", "mutex", "spinlock"} // world.LockKind order
	wwClasses         = []string{"wait-die", "wound-wait"}    // world.WWClass order
	resvUsages        = []string{"DMA_RESV_USAGE_KERNEL", "DMA_RESV_USAGE_WRITE", "DMA_RESV_USAGE_READ", "DMA_RESV_USAGE_BOOKKEEP"}
)

// lockSection reads a world file's "locks" section into s.Locks: the lock
// family's objects. Every field changes the model; what does not (a usage
// without a dma_resv, a name used twice) is rejected where it is written.
func (f *fileReader) lockSection(n *yaml.Node, s *world.Spec) {
	m := f.mapping(n, lockSectionFields)
	ls := &s.Locks
	if v, ok := m["ww-class"]; ok {
		ls.WW = world.WWClass(f.choice(v, "ww class", wwClasses))
	}
	if v, ok := m["lockdep-priming"]; ok {
		ls.NoLockdepPriming = !f.bool(v)
	}
	if v, ok := m["liveness"]; ok {
		ls.Liveness = f.bool(v)
	}
	if v, ok := m["lock-order"]; ok {
		if ls.LockOrder = f.bool(v); !ls.LockOrder {
			f.fail(v, "lock-order: false is the default (write it only to check lockdep's lock order)")
		}
	}
	if v, ok := m["locks"]; ok {
		for _, c := range f.items(v, "locks", world.MaxLocks) {
			lm := f.mapping(c, lockFields)
			name := f.objectName(c, lm, "lock", lockNameList(ls))
			kind := 0
			if k, ok := lm["kind"]; ok {
				kind = f.choice(k, "lock kind", lockKinds)
			} else {
				f.fail(c, "lock %s needs a kind (%s)", name, strings.Join(lockKinds, ", "))
			}
			lo := world.LockObj{Name: name, Kind: world.LockKind(kind)}
			if v, ok := lm["dma-buf"]; ok {
				lo.DmaBuf = f.bool(v)
				switch {
				case lo.DmaBuf && lo.Kind != world.ResvLock:
					f.fail(v, "lock %s: only a resv lock is the dma-buf's reservation", name)
				case lo.DmaBuf && slices.ContainsFunc(ls.Locks, func(l world.LockObj) bool { return l.DmaBuf }):
					f.fail(v, "lock %s: the world has one dma-buf, whose resv lock is already declared", name)
				case !lo.DmaBuf:
					f.fail(v, "lock %s: dma-buf: false is the default (write it only for the dma-buf's resv lock)", name)
				}
			}
			ls.Locks = append(ls.Locks, lo)
		}
	}
	if v, ok := m["syncobjs"]; ok {
		for _, c := range f.items(v, "syncobjs", 4) {
			ls.Syncobjs = append(ls.Syncobjs, f.uniqueName(c, "syncobj", ls.Syncobjs))
		}
	}
	if v, ok := m["fences"]; ok {
		for _, c := range f.items(v, "fences", world.MaxFences) {
			ls.Fences = append(ls.Fences, f.lockFence(c, ls))
		}
	}
	if v, ok := m["channels"]; ok {
		for _, c := range f.items(v, "channels", world.MaxChannels) {
			ls.Channels = append(ls.Channels, f.uniqueName(c, "channel", ls.Channels))
		}
	}
	if v, ok := m["pm-devices"]; ok {
		devs := slices.Clone(ls.PMDevices)
		for _, d := range s.Devices {
			devs = append(devs, d.Name)
		}
		for _, c := range f.items(v, "pm-devices", world.MaxPMDevs) {
			name := f.uniqueName(c, "device", devs)
			devs = append(devs, name)
			ls.PMDevices = append(ls.PMDevices, name)
		}
	}
	if v, ok := m["suspended-bar"]; ok {
		ls.SuspendedBAR = world.SuspendedBAR(f.choice(v, "suspended-BAR mode", world.SuspendedBARNames()))
		if len(ls.PMDevices) == 0 {
			f.fail(v, "suspended-bar: no pm-devices, so no BAR is ever suspended and the mode would change nothing")
		}
	}
	if v, ok := m["idle"]; ok {
		for _, c := range f.items(v, "idle", 64) {
			im := f.mapping(c, []string{"agent", "label"})
			a, l := im["agent"], im["label"]
			if a == nil || l == nil {
				f.fail(c, "an idle point needs an agent and a label")
				continue
			}
			ls.Idle = append(ls.Idle, world.LockPoint{Agent: f.str(a), Label: f.str(l)})
		}
	}
}

// items returns the items of list n (at most limit).
func (f *fileReader) items(n *yaml.Node, what string, limit int) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		f.fail(n, "%s: want a list", what)
		return nil
	}
	if len(n.Content) > limit {
		f.fail(n.Content[limit], "%s: at most %d", what, limit)
		return nil
	}
	return n.Content
}

// uniqueName reads a name that must not be one of taken.
func (f *fileReader) uniqueName(n *yaml.Node, what string, taken []string) string {
	name := f.str(n)
	switch {
	case name == "":
		f.fail(n, "a %s needs a name", what)
	case slices.Contains(taken, name):
		f.fail(n, "%s name %q is used twice", what, name)
	}
	return name
}

// objectName reads the name field of an object's mapping c.
func (f *fileReader) objectName(c *yaml.Node, m map[string]*yaml.Node, what string, taken []string) string {
	v, ok := m["name"]
	if !ok {
		f.fail(c, "a %s needs a name", what)
		return ""
	}
	return f.uniqueName(v, what, taken)
}

func lockNameList(ls *world.LockSpec) []string {
	var out []string
	for _, l := range ls.Locks {
		out = append(out, l.Name)
	}
	return out
}

// lockFence reads one fence of the lock family.
func (f *fileReader) lockFence(c *yaml.Node, ls *world.LockSpec) world.LockFence {
	fm := f.mapping(c, lockFenceFields)
	var taken []string
	for _, x := range ls.Fences {
		taken = append(taken, x.Name)
	}
	fc := world.LockFence{Name: f.objectName(c, fm, "fence", taken), Resv: -1, Lock: -1}
	locks := lockNameList(ls)
	lockRef := func(v *yaml.Node, what string, ok func(world.LockObj) bool) int {
		name := f.str(v)
		var names []string
		for _, l := range ls.Locks {
			if ok(l) {
				names = append(names, l.Name)
			}
		}
		if !slices.Contains(names, name) {
			detail := " (the world declares none)"
			if len(names) > 0 {
				detail = didYouMean(name, names) + " (want one of: " + strings.Join(names, ", ") + ")"
			}
			f.fail(v, "fence %s: %q is not %s%s", fc.Name, name, what, detail)
			return -1
		}
		return slices.Index(locks, name)
	}
	if v, ok := fm["resv"]; ok {
		fc.Resv = lockRef(v, "a resv lock", func(l world.LockObj) bool { return l.Kind == world.ResvLock })
		if u, ok := fm["usage"]; ok {
			fc.Usage = world.ResvUsage(f.choice(u, "dma_resv usage", resvUsages))
		} else {
			f.fail(c, "fence %s: a fence in a dma_resv needs its usage (%s)", fc.Name, strings.Join(resvUsages, ", "))
		}
	} else {
		for _, k := range []string{"usage", "deps"} {
			if v, ok := fm[k]; ok {
				f.fail(v, "fence %s: %s goes with a dma_resv (resv: LOCK)", fc.Name, k)
			}
		}
	}
	if v, ok := fm["deps"]; ok && fc.Resv >= 0 {
		fc.Deps, fc.DepUsage = true, world.ResvUsage(f.choice(v, "dma_resv usage", resvUsages))
	}
	if v, ok := fm["lock"]; ok {
		fc.Lock = lockRef(v, "a lock", func(world.LockObj) bool { return true })
	}
	for k, p := range map[string]*bool{"indefinite": &fc.Indefinite, "published": &fc.Published} {
		if v, ok := fm[k]; ok {
			*p = f.bool(v)
		}
	}
	if v, ok := fm["signalled"]; ok {
		f.lockFenceSignalled(v, &fc)
	}
	for k, p := range map[string]*uint8{"refs": &fc.Refs, "pending": &fc.Pending} {
		if v, ok := fm[k]; ok {
			*p = uint8(f.int(v, 0, 255))
		}
	}
	f.containerFields(c, fm, &fc, ls)
	return fc
}

// containerFields reads a container fence's fields (world.LockFence's
// Container, Members, WalksMembers, Syncobj, Point): members are fences
// declared before it; array-signaled (an array's ops->signaled) and syncobj and
// point (a chain link's timeline) are rejected where they change nothing.
func (f *fileReader) containerFields(c *yaml.Node, fm map[string]*yaml.Node, fc *world.LockFence, ls *world.LockSpec) {
	v, ok := fm["container"]
	if !ok {
		for _, k := range []string{"members", "array-signaled", "syncobj", "point"} {
			if x, ok := fm[k]; ok {
				f.fail(x, "fence %s: %s goes with a container (container: array or chain)", fc.Name, k)
			}
		}
		return
	}
	if fc.Container = world.ContainerKind(f.choice(v, "container kind", containerKinds)); fc.Container == world.NotContainer {
		f.fail(v, "fence %s: container: none is the default", fc.Name)
	}
	m, ok := fm["members"]
	if !ok {
		f.fail(c, "fence %s: a container needs its members", fc.Name)
	}
	if ok {
		var names []string
		for _, x := range ls.Fences {
			names = append(names, x.Name)
		}
		for _, n := range f.items(m, "members", world.MaxFences) {
			name := f.str(n)
			i := slices.Index(names, name)
			switch {
			case i < 0:
				f.fail(n, "fence %s: member %q is not a fence declared before it%s", fc.Name, name, didYouMean(name, names))
			case fc.Members&(1<<i) != 0:
				f.fail(n, "fence %s: member %q listed twice", fc.Name, name)
			default:
				fc.Members |= 1 << i
			}
		}
	}
	if x, ok := fm["array-signaled"]; ok {
		if fc.Container != world.FenceArray {
			f.fail(x, "fence %s: dma_fence_chain_signaled always walks the chain; array-signaled: goes with an array", fc.Name)
		}
		if fc.WalksMembers = f.choice(x, "array signaled op", arraySignaledOps) == 1; !fc.WalksMembers {
			f.fail(x, "fence %s: array-signaled: num-pending is the default (v6.12)", fc.Name)
		}
	}
	if x, ok := fm["syncobj"]; ok {
		name := f.str(x)
		switch {
		case fc.Container != world.FenceChain:
			f.fail(x, "fence %s: a timeline point is a chain link (container: chain)", fc.Name)
		case !slices.Contains(ls.Syncobjs, name):
			f.fail(x, "fence %s: %q is not a syncobj%s (declare it in syncobjs:)", fc.Name, name, didYouMean(name, ls.Syncobjs))
		}
		fc.Syncobj = name
		if p, ok := fm["point"]; ok {
			fc.Point = uint8(f.int(p, 1, 255))
		} else {
			f.fail(x, "fence %s: a timeline point needs its point number (point: N)", fc.Name)
		}
	} else if p, ok := fm["point"]; ok {
		f.fail(p, "fence %s: point goes with a syncobj", fc.Name)
	}
}

// writeLocksSection renders s.Locks as a world file's "locks" section; nil
// when the spec declares none of the family's objects.
func writeLocksSection(s *world.Spec) (*yaml.Node, error) {
	ls := &s.Locks
	if len(ls.Locks) == 0 && len(ls.Fences) == 0 && len(ls.Syncobjs) == 0 && len(ls.Channels) == 0 && len(ls.PMDevices) == 0 &&
		ls.WW == world.WaitDie && !ls.NoLockdepPriming && !ls.Liveness && !ls.LockOrder && len(ls.Idle) == 0 {
		return nil, nil
	}
	n := mapping()
	add := func(k string, v *yaml.Node) { n.Content = append(n.Content, scalar(k), v) }
	if ls.WW != world.WaitDie {
		add("ww-class", scalar(wwClasses[ls.WW]))
	}
	if ls.NoLockdepPriming {
		add("lockdep-priming", scalar("false"))
	}
	if ls.Liveness {
		add("liveness", scalar("true"))
	}
	if ls.LockOrder {
		add("lock-order", scalar("true"))
	}
	if ls.SuspendedBAR != world.BARStall {
		add("suspended-bar", scalar(ls.SuspendedBAR.String()))
	}
	flow := func(kv ...string) *yaml.Node {
		m := mapping()
		m.Style = yaml.FlowStyle
		for i := 0; i+1 < len(kv); i += 2 {
			m.Content = append(m.Content, scalar(kv[i]), scalar(kv[i+1]))
		}
		return m
	}
	if len(ls.Locks) > 0 {
		l := sequence()
		for _, lk := range ls.Locks {
			if int(lk.Kind) >= len(lockKinds) {
				return nil, fmt.Errorf("lock %s: unknown kind %d", lk.Name, lk.Kind)
			}
			kv := []string{"name", lk.Name, "kind", lockKinds[lk.Kind]}
			if lk.DmaBuf {
				kv = append(kv, "dma-buf", "true")
			}
			l.Content = append(l.Content, flow(kv...))
		}
		add("locks", l)
	}
	names := func(ns []string) *yaml.Node {
		l := sequence()
		l.Style = yaml.FlowStyle
		for _, x := range ns {
			l.Content = append(l.Content, scalar(x))
		}
		return l
	}
	if len(ls.Syncobjs) > 0 {
		add("syncobjs", names(ls.Syncobjs))
	}
	if len(ls.Fences) > 0 {
		l := sequence()
		for _, fc := range ls.Fences {
			kv := []string{"name", fc.Name}
			if fc.Resv >= 0 {
				kv = append(kv, "resv", ls.Locks[fc.Resv].Name, "usage", fc.Usage.String())
				if fc.Deps {
					kv = append(kv, "deps", fc.DepUsage.String())
				}
			} else if fc.Deps || fc.Usage != 0 {
				return nil, fmt.Errorf("fence %s: usage or deps without a dma_resv", fc.Name)
			}
			if fc.Lock >= 0 {
				kv = append(kv, "lock", ls.Locks[fc.Lock].Name)
			}
			if fc.Indefinite {
				kv = append(kv, "indefinite", "true")
			}
			if fc.Published {
				kv = append(kv, "published", "true")
			}
			if fc.Signalled {
				kv = append(kv, "signalled", "true")
			}
			if fc.Refs != 0 {
				kv = append(kv, "refs", strconv.Itoa(int(fc.Refs)))
			}
			if fc.Pending != 0 {
				kv = append(kv, "pending", strconv.Itoa(int(fc.Pending)))
			}
			fn := flow(kv...)
			if fc.Container != world.NotContainer {
				if int(fc.Container) >= len(containerKinds) {
					return nil, fmt.Errorf("fence %s: unknown container kind %d", fc.Name, fc.Container)
				}
				var ms []string
				for i, x := range ls.Fences {
					if fc.Members&(1<<i) != 0 {
						ms = append(ms, x.Name)
					}
				}
				fn.Content = append(fn.Content, scalar("container"), scalar(containerKinds[fc.Container]), scalar("members"), names(ms))
				if fc.WalksMembers {
					fn.Content = append(fn.Content, scalar("array-signaled"), scalar("members"))
				}
				if fc.Syncobj != "" {
					fn.Content = append(fn.Content, scalar("syncobj"), scalar(fc.Syncobj), scalar("point"), scalar(strconv.Itoa(int(fc.Point))))
				}
			}
			l.Content = append(l.Content, fn)
		}
		add("fences", l)
	}
	if len(ls.Channels) > 0 {
		add("channels", names(ls.Channels))
	}
	if len(ls.PMDevices) > 0 {
		add("pm-devices", names(ls.PMDevices))
	}
	if len(ls.Idle) > 0 {
		l := sequence()
		for _, p := range ls.Idle {
			l.Content = append(l.Content, flow("agent", p.Agent, "label", p.Label))
		}
		add("idle", l)
	}
	return n, nil
}
