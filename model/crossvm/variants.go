package crossvm

import "github.com/dmabufcheck/dmabufcheck/statespace"

// Scenario is a named configuration with what it is expected to show.
type Scenario struct {
	Name        string
	Description string
	Config      Config
	// Expect is the property the configuration breaks first
	// (statespace.DeadlockProperty for a deadlock), or "" when every
	// property holds.
	Expect string
	// AlsoBreaks are further properties it breaks, each checked on its own.
	AlsoBreaks []string
}

func withCfg(c Config, f func(*Config)) Config { f(&c); return c }

// cpuReader is the base configuration: hyper_dmabuf re-exporting a
// producer's buffer, the importing VM's CPU reading it in
// begin/end_cpu_access brackets, two frames, the exporting VM's user space
// free to unexport, and its own reader looping forever.
func cpuReader() Config {
	return Config{Design: HyperDmabuf, Sync: Acked, Consumer: CPU, Frames: 2, Unexport: true, LocalReader: true}
}

// deviceReader is the base of the fence scenarios: the importing VM's
// device reads one frame with jobs synchronised through its own dma_resv.
func deviceReader(f Fences) Config {
	return Config{Design: HyperDmabuf, Sync: Acked, Consumer: Device, Fences: f, Frames: 1, LocalReader: true}
}

// Scenarios returns the built-in cross-VM scenarios: each design of the
// hyper_dmabuf / xen-zcopy review (seed 004) as a variant.
func Scenarios() []Scenario {
	return []Scenario{
		{Name: "hyper-dmabuf-acked",
			Description: "hyper_dmabuf re-exports a producer's buffer; the importing VM's map, begin/end_cpu_access and release are remote operations it waits for (WAIT_AFTER_SYNC_REQ); two frames, unexport at any time",
			Config:      cpuReader()},
		{Name: "hyper-dmabuf-fire-and-forget", Expect: NoUseAfterFree, AlsoBreaks: []string{NoStaleRead},
			Description: "the same with remote operations sent without waiting: the importing VM maps before the exporting VM counts it (freed under it after an unexport) and reads before the exporting VM's begin_cpu_access waited for the write",
			Config:      withCfg(cpuReader(), func(c *Config) { c.Sync = FireAndForget })},
		{Name: "hyper-dmabuf-lossy", Expect: RemoteOpAcked + "/EXPORT_FD",
			Description: "acknowledged operations over rings that may lose a message, without retransmission: the importing VM waits forever for a lost reply",
			Config:      withCfg(cpuReader(), func(c *Config) { c.Lossy = true; c.Frames = 1 })},
		{Name: "hyper-dmabuf-lossy-retry",
			Description: "the lossy rings with a retransmission timeout longer than the rings' delay and a sequence bit: the exporting VM repeats its reply to a retransmitted request instead of replaying it",
			Config:      withCfg(cpuReader(), func(c *Config) { c.Lossy = true; c.Retry = true; c.Frames = 1 })},
		{Name: "hyper-dmabuf-evict-waits", Expect: NoDeadlock, AlsoBreaks: []string{statespace.DeadlockProperty, RemoteOpAcked + "/INVALIDATE", RemoteOpAcked + "/BEGIN_CPU_ACCESS"},
			Description: "the re-exported buffer belongs to a dynamic exporter that evicts it: hyper_dmabuf's move_notify waits, under the resv lock, for the importing VM's ack, while the exporting VM's ring thread replays a begin_cpu_access that needs that lock",
			Config:      withCfg(cpuReader(), func(c *Config) { c.Evict = EvictWaits; c.Frames = 1; c.Unexport = false })},
		{Name: "hyper-dmabuf-evict-async", Expect: NoUseAfterFree,
			Description: "the same eviction with a move_notify that only sends INVALIDATE: the exporter frees the old pages while the importing VM still maps them",
			Config:      withCfg(cpuReader(), func(c *Config) { c.Evict = EvictAsync; c.Frames = 1; c.Unexport = false })},
		{Name: "exporter-only",
			Description: "the review's design: the driver allocates the pages and exports them to the producer; under the same memory pressure it moves them only before sharing, so no foreign move_notify reaches it; acknowledged operations",
			Config:      withCfg(cpuReader(), func(c *Config) { c.Design = ExporterOnly; c.Evict = EvictWaits })},
		{Name: "xen-zcopy", Expect: NoUseAfterFree, AlsoBreaks: []string{NoStaleRead},
			Description: "xen-zcopy without inter-VM synchronisation: only the grant references and frame notifications cross; the importing VM's CPU access and release never reach the exporting VM",
			Config:      Config{Design: XenZcopy, Consumer: CPU, Frames: 2, Unexport: true}},
		{Name: "fence-none", Expect: NoStaleRead,
			Description: "the importing VM's device reads each announced frame with implicit sync on its own dma_resv, where no fence of the producer ever appears",
			Config:      deviceReader(NoFences)},
		{Name: "fence-proxy",
			Description: "the frame notification carries the producer's fence: the importing VM installs a proxy fence in its dma_resv, signalled by SIGNAL from the exporting VM's fence callback; a SIGNAL that overtakes its notification is recorded",
			Config:      withCfg(deviceReader(ProxyFence), func(c *Config) { c.Frames = 2 })},
		{Name: "fence-proxy-unordered", Expect: ProxySignals + "/frame1",
			Description: "proxy fences whose importing side drops a SIGNAL for a proxy it has not installed yet: the ring reorders SIGNAL before the notification, and the proxy never signals",
			Config:      deviceReader(ProxyFenceUnordered)},
	}
}

// ScenarioByName returns the built-in scenario with that name.
func ScenarioByName(name string) (Scenario, bool) {
	for _, s := range Scenarios() {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}
