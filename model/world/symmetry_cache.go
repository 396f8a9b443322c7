package world

import "fmt"

// The cache family's symmetry hooks (symmetry.go).

// cacheCallDev returns the device argument of a cache-family call.
func cacheCallDev(c Call) (int, bool) {
	if d := c.def(); d != nil && d.dev {
		return c.Dev, true
	}
	return 0, false
}

// cachePermuteCall renames a cache-family call's device.
func cachePermuteCall(c Call, p *permutation) Call {
	if _, ok := cacheCallDev(c); ok {
		c.Dev = p.dev[c.Dev]
	}
	return c
}

// cacheCheckSymmetry rejects permuted devices that the cache family's rules
// can tell apart by their index: where a rule walks the devices in index
// order and the steps for two of them do not commute, renaming the devices
// changes the outcome. These are the exclusions of the earlier model
// (model.Model.SymmetryGroups, proven necessary there by forcing the swap
// and failing the exactness proof), and the world's rules walk the devices
// the same way:
//
//   - an exporter hook with OpSyncMapped syncs every dma_map'ed attachment
//     in turn (runHook). On arm32 sync_for_device invalidates for a
//     FROM_DEVICE mapping and cleans otherwise, so a clean-then-invalidate
//     and an invalidate-then-clean of a dirty line differ; with bounce
//     buffers each attachment's swiotlb copy-back overwrites the previous
//     one's;
//   - DMASyncsDeviceCaches writes back every device's own cache in index
//     order (syncForDevice): two caches dirty on one line leave memory with
//     the last one's version;
//   - a CPU load of a line two coherent device caches hold dirty snoops the
//     one with the highest index (cpuLoad).
//
// The other loops over devices (the implicit-sync checks, move_notify,
// release, the snoop-invalidate of a CPU write) act on each device alone
// or only test a condition over all of them, and commute.
func cacheCheckSymmetry(c *core, sy *symmetry) error {
	s := &c.spec
	mapped := false
	for _, h := range []Hook{s.Exporter.Begin, s.Exporter.End} {
		for _, op := range h {
			mapped = mapped || op.Kind == OpSyncMapped
		}
	}
	for _, m := range sy.members {
		if m.dev < 0 {
			continue
		}
		dv := s.Devices[m.dev]
		switch {
		case mapped && s.Arch == ARM32:
			return fmt.Errorf("device %s: on arm32 the exporter's sync of every mapped attachment (sync-mapped) depends on their order", dv.Name)
		case mapped && dv.Bounce:
			return fmt.Errorf("device %s: the exporter's sync of every mapped attachment (sync-mapped) copies the bounce buffers back in device order", dv.Name)
		case s.DMASyncsDeviceCaches && dv.OwnCache:
			return fmt.Errorf("device %s: the DMA API's syncs write the devices' own caches back in device order", dv.Name)
		case dv.OwnCache && dv.Coherent && !s.Backing.uncached():
			return fmt.Errorf("device %s: a CPU load snoops the last coherent device cache that holds the line dirty", dv.Name)
		}
	}
	return nil
}

// cachePermute moves each device's section (attachment, mapping, DMA-API
// state, job, errno, own cache, bounce slots) and each agent's CPU bracket
// to its image's, and renames the writer of each line's latest write
// (writerDevice0+d becomes writerDevice0+p.dev[d]).
func cachePermute(c *core, p *permutation, move func(to, from int), rename func(off int, table []uint8)) {
	l := &c.lay
	for d, from := range l.dev {
		to := l.dev[p.dev[d]]
		move(to.att, from.att)
		move(to.mp, from.mp)
		move(to.dma, from.dma)
		move(to.job, from.job)
		move(to.err, from.err)
		for line := range c.spec.Lines {
			if from.cache >= 0 {
				move(to.cache+line, from.cache+line)
			}
			if from.bounce >= 0 {
				move(to.bounce+line, from.bounce+line)
			}
		}
	}
	for a, off := range l.access {
		if off >= 0 {
			b := p.agent[a]
			move(l.access[b], off)
			move(l.syncErr[b], l.syncErr[a])
		}
	}
	writers := []uint8{writerNone, writerCPU}
	for d := range c.spec.Devices {
		writers = append(writers, writerDevice0+uint8(p.dev[d]))
	}
	for line := range c.spec.Lines {
		rename(l.latestBy+line, writers)
	}
}
