package world

// Sharing at scale (issue 18, class 7): the exporter migrates a buffer
// out of its BAR (VRAM) to system memory while a dynamic importer has it
// mapped peer-to-peer. amdgpu evicts VRAM under pressure with
// ttm_bo_validate to GTT under the buffer's dma_resv lock; the move calls
// dma_buf_move_notify (drivers/dma-buf/dma-buf.c), which calls every
// dynamic importer's move_notify (drivers/gpu/drm/amd/amdgpu/
// amdgpu_dma_buf.c: amdgpu_dma_buf_move_notify invalidates the
// importer's page-table entries), so that its next dma_buf_map_attachment
// yields the system-memory addresses. An importer that keeps the BAR
// addresses and DMAs through them after the move reaches whatever the
// BAR region backs now (another buffer): its read returns garbage and its
// write is lost, a violation of p2p-no-stale-read-through-bar.
//
// The migration waits for the importers' DMA in flight (ttm_bo_validate
// waits for the buffer's fences, BOOKKEEP included), so the fault is the
// importer's: a DMA started through the invalidated mapping. A driver
// that re-maps under the resv lock before it submits a DMA
// (`{when: "!p2p_attachment(IMP, moved)", do: peer_dma_read(IMP)}` with
// dma_buf_map_attachment(IMP) in the other branch) holds.

var (
	p2pMigrateDef = callDef{name: "dma_buf_move_notify", steps: 1,
		kernel: "drivers/gpu/drm/ttm/ttm_bo.c: ttm_bo_validate (VRAM to GTT under dma_resv_lock); drivers/dma-buf/dma-buf.c: dma_buf_move_notify; drivers/gpu/drm/amd/amdgpu/amdgpu_dma_buf.c: amdgpu_dma_buf_move_notify"}
	p2pRemapDef = callDef{name: "dma_buf_map_attachment", steps: 1, dev: true,
		kernel: "drivers/dma-buf/dma-buf.c: dma_buf_map_attachment (after move_notify: the exporter's map_dma_buf for the new placement); drivers/gpu/drm/amd/amdgpu/amdgpu_dma_buf.c: amdgpu_dma_buf_map"}

	p2pMigrateSyntax = Syntax{Name: "dma_buf_move_notify", Lead: "bar", Kind: KP2PMigrate,
		Help: "the exporter migrates the BAR's buffer (VRAM) to system memory under the resv lock, once no DMA is in flight (ttm_bo_validate to GTT), and calls dma_buf_move_notify: every peer mapping is invalidated"}
	p2pRemapSyntax = Syntax{Name: "dma_buf_map_attachment", Kind: KP2PRemap, Args: []Arg{argImporter},
		Help: "the importer maps its attachment again after move_notify: the exporter's map hands out the buffer's new (system-memory) addresses; a valid mapping is kept"}
)

// P2PMigrate is the exporter migrating the BAR's buffer to system memory
// and calling dma_buf_move_notify.
func P2PMigrate() Call { return Call{Kind: KP2PMigrate} }

// P2PRemap is importer i's dma_buf_map_attachment after move_notify.
func P2PRemap(i int) Call { return Call{Kind: KP2PRemap, Dev: i} }

// p2pMigrateEnabled: the buffer is in a VRAM BAR (stolen memory is
// system memory already) and no importer's DMA is in flight.
func (v View) p2pMigrateEnabled() bool {
	return *v.p2pPlace() == p2pPlaceBAR && v.w.spec.P2P.Exporter.BAR == BARDeviceMemory && !v.P2PDMAInFlight()
}

// p2pMigrate moves the buffer (its contents go with it) and invalidates
// every peer mapping.
func (v View) p2pMigrate() {
	*v.p2pPlace() = p2pPlaceSys
	for i := range v.w.spec.P2P.Importers {
		if v.P2PAttachment(i) == P2PAttPeer {
			v.p2pSetAtt(i, P2PAttMoved, v.p2pAddrOf(i))
		}
	}
}

// p2pRemap maps importer i's invalidated attachment where the buffer is
// now.
func (v View) p2pRemap(i int) {
	if v.P2PAttachment(i) == P2PAttMoved {
		v.p2pSetAtt(i, P2PAttSys, AddrSysMem)
	}
}

// p2pMovedBARDone completes a DMA through a mapping move_notify
// invalidated: a read returns what the BAR region backs now (garbage), a
// write goes there and is lost to the buffer.
func (v View) p2pMovedBARDone(write bool) {
	if !write {
		v.p2pRaise(p2pFlagStaleRead)
		return
	}
	*v.p2pWrites()++
	ver := *v.p2pWrites()
	for l := range v.w.spec.P2P.Lines {
		*v.p2pLatest(l), *v.p2pLatestBy(l) = ver, p2pByDevice
	}
}
