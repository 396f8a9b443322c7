package fence

// Importers used by the built-in scenarios.
var (
	// Writer is a GPU whose jobs write the buffer, with implicit sync: it
	// waits for every reader and writer and adds WRITE fences.
	Writer = Importer{Name: "gpu0", Jobs: 2, Access: JobsWrite, Sync: Implicit, Fence: FenceUsage, SeqnoBase: 1}
	// Reader is a display or video engine whose jobs read the buffer, with
	// implicit sync: it waits for writers and adds READ fences.
	Reader = Importer{Name: "gpu1", Jobs: 2, Access: JobsRead, Sync: Implicit, Fence: FenceUsage, SeqnoBase: 1}
	// ExplicitReader is a dynamic importer with explicit sync (Vulkan,
	// user space passes its own fences): no implicit dependencies, its
	// fence added as BOOKKEEP so that the exporter's move waits for it.
	ExplicitReader = Importer{Name: "gpu1", Jobs: 2, Access: JobsRead, Sync: Explicit, Fence: FenceBookkeep, SeqnoBase: 1}
)

// Scenario is a named configuration with what it is expected to show.
type Scenario struct {
	Name        string
	Description string
	Config      Config
	// Expect is the property the configuration breaks ("deadlock" for a
	// deadlock), or "" when every property holds.
	Expect string
	// AlsoBreaks are further properties it breaks, each checked on its own.
	AlsoBreaks []string
}

func importers(ims ...Importer) []Importer { return ims }

func with(im Importer, f func(*Importer)) Importer { f(&im); return im }

func withCfg(c Config, f func(*Config)) Config { f(&c); return c }

// roundTrip is one writer with two jobs, a CPU reader and user space
// exporting a sync_file and importing it back: the CVE-2022-49935 setting.
func roundTrip() Config {
	return Config{Importers: importers(Writer), CPU: CPURead, SyncFile: SyncFile{Exports: 1, Imports: 1}}
}

// indefinite is a writer whose job depends, through the resv, on a sw_sync
// point user space imported as a WRITE fence, and a CPU reader.
func indefinite(user UserSignals) Config {
	return Config{
		Importers: importers(with(Writer, func(im *Importer) { im.Jobs = 1 })),
		CPU:       CPURead,
		SyncFile:  SyncFile{Imports: 1},
		SwSync:    SwSync{Points: 1, User: user},
	}
}

// dynamicMove is an implicit-sync writer and a dynamic importer reading
// with explicit sync, while the exporter moves the buffer with a copy.
func dynamicMove(reader Importer) Config {
	return Config{
		Importers: importers(with(Writer, func(im *Importer) { im.Jobs = 1 }), reader),
		CPU:       CPURead,
		Exporter:  Exporter{Moves: true, CopyFence: true},
	}
}

// Scenarios returns the built-in fence scenarios: the correct
// configurations, each historical rule and each misuse.
func Scenarios() []Scenario {
	return []Scenario{
		{Name: "implicit",
			Description: "implicit sync between a GPU that reads or writes and a reader GPU (2 jobs each), a CPU reading and writing, and poll(EPOLLIN): the 6.12 rules",
			Config: Config{Importers: importers(with(Writer, func(im *Importer) { im.Access = JobsReadWrite }), Reader),
				CPU: CPUReadWrite, Poll: true}},
		{Name: "all-features",
			Description: "everything at once: an implicit writer and an explicit BOOKKEEP reader, a CPU reader, an exported and re-imported sync_file, a sw_sync point user space closes, and the exporter moving the buffer with a KERNEL copy fence",
			Config: Config{
				Importers: importers(with(Writer, func(im *Importer) { im.Jobs = 1 }), with(ExplicitReader, func(im *Importer) { im.Jobs = 1 })),
				CPU:       CPURead, SyncFile: SyncFile{Exports: 1, Imports: 1},
				SwSync: SwSync{Points: 1, User: UserCloses}, Exporter: Exporter{Moves: true, CopyFence: true}}},
		{Name: "sync-file-roundtrip",
			Description: "user space exports the writer's fences as a sync_file and imports it back (READ and WRITE flags), with a reader GPU and a CPU reader",
			Config: Config{Importers: importers(Writer, with(Reader, func(im *Importer) { im.Jobs = 1 })), CPU: CPURead,
				SyncFile: SyncFile{Exports: 2, Imports: 2}}},
		{Name: "replace-pre2022", Expect: KeepsNewest, AlsoBreaks: []string{IdleMeansIdle},
			Description: "dma_resv_add_fence before a3f7c10a269d (CVE-2022-49935): importing an old sync_file replaces the writer's newer fence, and the CPU's wait returns while it is pending",
			Config:      withCfg(roundTrip(), func(c *Config) { c.Rule = RulePre2022 })},
		{Name: "replace-6.12",
			Description: "the export/import sequence of replace-pre2022 under the 6.12 rule: the older fence is appended, the newer one kept",
			Config:      roundTrip()},
		{Name: "seqno-wrap",
			Description: "the writer's ring starts at seqno 0xffffffff, so its second fence wraps to 0; __dma_fence_is_later's (int)(a-b) > 0 orders them",
			Config: withCfg(roundTrip(), func(c *Config) {
				c.Importers[0].SeqnoBase = 0xffffffff
			})},
		{Name: "seqno-wrap-naive", Expect: KeepsNewest, AlsoBreaks: []string{IdleMeansIdle},
			Description: "the seqno-wrap sequence with a naive a > b seqno comparison: the old fence 0xffffffff looks later than 0 and replaces it",
			Config: withCfg(roundTrip(), func(c *Config) {
				c.Importers = importers(with(Writer, func(im *Importer) { im.SeqnoBase = 0xffffffff }))
				c.Compare = Naive
			})},
		{Name: "bookkeep-then-usage",
			Description: "a driver adds its job's fence as BOOKKEEP then as WRITE/READ after reserving one slot: valid since 95ba893c9f4f (the same fence replaces itself)",
			Config: Config{Importers: importers(with(Writer, func(im *Importer) { im.Fence = FenceBookkeepThenUsage }), Reader),
				CPU: CPURead}},
		{Name: "strict-later", Expect: NeedReservation,
			Description: "the bookkeep-then-usage driver under a3f7c10a269d before 95ba893c9f4f: dma_fence_is_later(f, f) is false, so the second add appends and needs a slot that was never reserved",
			Config: Config{Importers: importers(with(Writer, func(im *Importer) { im.Fence = FenceBookkeepThenUsage }), Reader),
				CPU: CPURead, Rule: RuleStrictLater}},
		{Name: "add-without-reserve", Expect: NeedReservation,
			Description: "a driver calls dma_resv_add_fence without dma_resv_reserve_fences",
			Config:      Config{Importers: importers(with(Writer, func(im *Importer) { im.SkipReserve = true }), Reader)}},
		{Name: "move-bookkeep",
			Description: "a dynamic exporter moves (and copies) the buffer while an implicit-sync writer and an explicit-sync reader that fences its jobs as BOOKKEEP run",
			Config:      dynamicMove(ExplicitReader)},
		{Name: "move-unfenced", Expect: NoJobAfterMove,
			Description: "the explicit-sync dynamic importer adds no fence for the DMA it cannot stop in move_notify: the exporter moves the pages under it",
			Config:      dynamicMove(with(ExplicitReader, func(im *Importer) { im.Fence = FenceNone }))},
		{Name: "move-ignores-kernel-fence", Expect: NoJobAfterMove,
			Description: "the explicit-sync importer does not wait for the resv's KERNEL fences: its job starts while the exporter's copy is in flight",
			Config:      dynamicMove(with(ExplicitReader, func(im *Importer) { im.IgnoreKernelFences = true }))},
		{Name: "sw-sync-indefinite", Expect: "deadlock", AlsoBreaks: []string{EventuallySignal + "/gpu0#0"},
			Description: "user space imports a sw_sync point into the buffer's resv and never signals it: the writer's job depends on it, and its fence and the CPU reader wait forever",
			Config:      indefinite(UserNever)},
		{Name: "sw-sync-close",
			Description: "user space imports a sw_sync point into the buffer's resv and eventually closes the timeline: the point signals with -ENOENT, the writer's job and the CPU reader complete",
			Config:      indefinite(UserCloses)},
		{Name: "sw-sync-timeout",
			Description: "user space imports a sw_sync point it never signals, and the writer's scheduler force-completes a job stuck on a dependency (dma_fence_set_error(-ETIME), then dma_fence_signal); no CPU waiter",
			Config: withCfg(indefinite(UserNever), func(c *Config) {
				c.CPU = NoCPU
				c.Importers[0].Timeout = TimeoutSetErrorThenSignal
			})},
		{Name: "timeout-error-after-signal", Expect: Monotonicity,
			Description: "the sw-sync-timeout setting with a timeout path that signals the fence first and sets the error afterwards (dma_fence_set_error WARNs; waiters saw success)",
			Config: withCfg(indefinite(UserNever), func(c *Config) {
				c.CPU = NoCPU
				c.Importers[0].Timeout = TimeoutErrorAfterSignal
			})},
		{Name: "three-writers",
			Description: "three interchangeable GPUs with implicit sync, each writing the buffer in 2 jobs (each job waits for the others' WRITE fences), and a CPU reader: the 6.12 rules; checked modulo permutations of the GPUs (symmetry=true)",
			Config: Config{Importers: importers(
				with(Writer, func(im *Importer) { im.Name = "gpu0" }),
				with(Writer, func(im *Importer) { im.Name = "gpu1" }),
				with(Writer, func(im *Importer) { im.Name = "gpu2" })),
				CPU: CPURead}},
		{Name: "poll",
			Description: "poll(EPOLLIN) on the dma-buf while a writer runs, user space feeding it a sw_sync point it increments (SW_SYNC_IOC_INC)",
			Config: Config{Importers: importers(Writer), Poll: true, SyncFile: SyncFile{Imports: 1},
				SwSync: SwSync{Points: 2, User: UserIncrements}}},
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
