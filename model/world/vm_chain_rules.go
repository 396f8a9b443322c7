package world

import (
	"fmt"
	"strings"
	"unsafe"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// The semantics of the three VMs' calls (vm_chain.go): the exporters'
// records and the importers' imports.

// chainState is the three VMs' section of the packed state (uint8 fields:
// read in place).
type chainState struct {
	// Flags holds vmFlagUAF, chainCoverFreed and vm-a reader's bits
	// (vm_chain_fences.go), sticky.
	Flags uint8
	// Rec are the exporters' records (recAB, recAC, recBC): exp* phase |
	// the count (exported->active) <<2.
	Rec [3]uint8
	// Imp are the VMs' imports (imp* bits), by VM; vm-a's is unused.
	Imp [3]uint8
	// Write is vm-c's write and vm-a's reader (vm_chain_fences.go).
	Write uint8
}

const chainStateSize = int(unsafe.Sizeof(chainState{}))

// Import bits.
const (
	impGranted     = 1 << iota // the VM was sent the export (EXPORT)
	impMapped                  // the VM maps the grants
	impFd                      // the VM's user holds the fd
	impReexportRef             // vm-b's re-export holds a reference on its import
	impFailed                  // EXPORT_FD was answered REQ_ERROR
	impClosed                  // the VM's user imported and closed its fd
)

// chainCoverFreed: the pages went back to vm-a after both importing VMs
// imported and released them, no VM mapping them.
const chainCoverFreed uint8 = 1 << 2

func (s *chainState) phase(r int) uint8  { return s.Rec[r] & 3 }
func (s *chainState) active(r int) uint8 { return s.Rec[r] >> 2 }
func (s *chainState) setActive(r int, n uint8) {
	s.Rec[r] = s.Rec[r]&3 | n<<2
}

// cleaned are the records cleaned up, as bits.
func (s *chainState) cleaned() uint8 {
	var m uint8
	for r := range s.Rec {
		if s.phase(r) == expCleaned {
			m |= 1 << r
		}
	}
	return m
}

// chain returns the three VMs' section of the state.
func (v View) chain() *chainState {
	return (*chainState)(unsafe.Pointer(&v.b[v.w.lay.vmChain]))
}

// chainExportedTo: y was sent an export that is still valid.
func (v View) chainExportedTo(y int) bool {
	sp := &v.w.spec.VMs
	s := v.chain()
	r := sp.rec(sp.source(y), y)
	return r >= 0 && s.Imp[y]&impGranted != 0 && s.phase(r) == expValid
}

// vmChainEnabled is callEnabled for the three VMs.
func (v View) vmChainEnabled(c Call) bool {
	if isVMChainFenceKind(c.Kind) {
		return v.vmChainFenceEnabled(c)
	}
	sp := &v.w.spec.VMs
	s := v.chain()
	switch c.Kind {
	case KVMChainExport:
		r := sp.rec(c.Obj, c.N)
		if s.Imp[c.N]&impGranted != 0 {
			return false // shared once
		}
		if c.Obj == ChainVMB && (s.Imp[ChainVMB]&impMapped == 0 || s.Imp[ChainVMB]&(impFd|impReexportRef) == 0) {
			return false // vm-b re-exports the dma-buf it imported and holds
		}
		// A new record, or the one record of the buffer, still valid.
		return s.phase(r) == expNone || s.phase(r) == expValid
	case KVMChainUnexport:
		return s.Imp[c.N]&impGranted != 0
	case KVMChainImport:
		return s.Imp[c.Obj]&impGranted != 0 && s.Imp[c.Obj]&(impMapped|impFd|impFailed) == 0
	case KVMChainRelease:
		return s.Imp[c.Obj]&impFd != 0
	}
	return false
}

// vmChainApply performs a call of the three VMs; a monitor then flags
// pages given back while a VM maps them, whatever step gave them back.
func (v View) vmChainApply(c Call) {
	if isVMChainFenceKind(c.Kind) {
		v.vmChainFenceApply(c)
		return
	}
	sp := &v.w.spec.VMs
	s := v.chain()
	switch c.Kind {
	case KVMChainExport:
		r := sp.rec(c.Obj, c.N)
		s.Rec[r] = s.Rec[r]&^3 | expValid
		s.Imp[c.N] |= impGranted
		if c.Obj == ChainVMB && sp.HoldImport {
			s.Imp[ChainVMB] |= impReexportRef // dma_buf_get on the imported dma-buf
		}
	case KVMChainUnexport:
		r := sp.rec(c.Obj, c.N)
		if s.phase(r) == expValid {
			s.Rec[r] = s.Rec[r]&^3 | expUnexported
			if s.active(r) == 0 {
				v.chainCleanup(s, r)
			}
		}
	case KVMChainImport:
		r := sp.rec(sp.source(c.Obj), c.Obj)
		if s.phase(r) != expValid || sp.deps(c.Obj)&s.cleaned() != 0 {
			// "Buffer no longer valid": REQ_ERROR; or the grants it
			// would map were ended (GNTTABOP_map_grant_ref fails).
			s.Imp[c.Obj] |= impFailed
			break
		}
		if sp.Shape == VMFanOut && !sp.PerImporter {
			s.setActive(r, 1) // the one flag: imported
		} else {
			s.setActive(r, s.active(r)+1)
		}
		s.Imp[c.Obj] |= impMapped | impFd
	case KVMChainRelease:
		s.Imp[c.Obj] = s.Imp[c.Obj]&^impFd | impClosed
		if s.Imp[c.Obj]&impReexportRef == 0 {
			v.chainOpsRelease(s, c.Obj)
		}
	}
	for y := ChainVMB; y <= ChainVMC; y++ {
		if s.Imp[y]&impMapped != 0 && sp.deps(y)&s.cleaned() != 0 {
			s.Flags |= vmFlagUAF
		}
	}
	if s.Flags&vmFlagUAF == 0 && s.cleaned()&sp.ownerRecs() == sp.ownerRecs() &&
		(s.Imp[ChainVMB]|s.Imp[ChainVMC])&impMapped == 0 && s.Imp[ChainVMB]&s.Imp[ChainVMC]&impClosed != 0 {
		s.Flags |= chainCoverFreed
	}
}

// chainOpsRelease is hyper_dmabuf_ops_release in VM y: its grants
// unmapped, HYPER_DMABUF_OPS_RELEASE to its exporter.
func (v View) chainOpsRelease(s *chainState, y int) {
	sp := &v.w.spec.VMs
	s.Imp[y] &^= impMapped
	r := sp.rec(sp.source(y), y)
	if n := s.active(r); n > 0 {
		s.setActive(r, n-1)
	}
	if s.phase(r) == expUnexported && s.active(r) == 0 {
		v.chainCleanup(s, r)
	}
}

// chainCleanup is hyper_dmabuf_cleanup_sgt_info: the record's grants
// ended (gnttab_end_foreign_access), its attachment to the buffer
// dropped, and with it the re-export's reference on vm-b's import.
func (v View) chainCleanup(s *chainState, r int) {
	s.Rec[r] = s.Rec[r]&^3 | expCleaned
	if r == recBC && s.Imp[ChainVMB]&impReexportRef != 0 {
		s.Imp[ChainVMB] &^= impReexportRef
		if s.Imp[ChainVMB]&impFd == 0 {
			v.chainOpsRelease(s, ChainVMB)
		}
	}
}

// vmChainProps are the three VMs' properties: the pages are never given
// back while a VM maps them, and (with an unexport) they can go back
// after every import was released.
func (c *core) vmChainProps() []propDef {
	props := []propDef{{name: VMNoUseAfterFree, exp: statespace.Always, holds: func(v View) bool { return v.chain().Flags&vmFlagUAF == 0 }}}
	if c.vmUses(KVMChainUnexport) {
		props = append(props, propDef{name: VMFreedAfterUse, exp: statespace.Sometimes, holds: func(v View) bool { return v.chain().Flags&chainCoverFreed != 0 }})
	}
	return append(props, c.vmChainFenceProps()...)
}

var expPhaseNames = [4]string{"not shared", "valid", "unexported (valid = false)", "cleaned up (grants ended)"}

// vmChainDescribe renders the records and the imports for traces.
func (c *core) vmChainDescribe(v View, add func(name, value string)) {
	sp := &c.spec.VMs
	s := v.chain()
	for r := range s.Rec {
		if r == recAC && !(sp.Shape == VMFanOut && sp.PerImporter) || r == recBC && sp.Shape != VMReExport {
			continue
		}
		name := recNames[r]
		if r == recAB && sp.Shape == VMFanOut && !sp.PerImporter {
			name = "vm-a→vm-b,vm-c"
		}
		val := expPhaseNames[s.phase(r)]
		if sp.Shape == VMFanOut && !sp.PerImporter {
			val += fmt.Sprintf(", imported = %t", s.active(r) != 0)
		} else {
			val += fmt.Sprintf(", active %d", s.active(r))
		}
		add("record "+name, val)
	}
	for y := ChainVMB; y <= ChainVMC; y++ {
		var parts []string
		for i, n := range []string{"shared", "mapped", "fd open", "re-export's reference", "import refused", "closed"} {
			if s.Imp[y]&(1<<i) != 0 {
				parts = append(parts, n)
			}
		}
		if len(parts) == 0 {
			parts = []string{"nothing"}
		}
		add(chainVMNames[y]+".import", strings.Join(parts, ", "))
	}
	c.vmChainFenceDescribe(v, add)
}

// vmChainExplain narrates crossvm-no-page-use-after-free in a world of
// three VMs: the step that gave the pages back and why the exporter
// thought nobody mapped them.
func (c *core) vmChainExplain(t *trail, property string) (string, bool) {
	if property == VMNoStaleRead {
		return c.vmChainStaleRead(t)
	}
	if property != VMNoUseAfterFree {
		return "", false
	}
	i, _, _, after := t.guiltyCall(func(v View) bool { return v.chain().Flags&vmFlagUAF == 0 })
	if i < 0 {
		return "", false
	}
	sp := &c.spec.VMs
	s := after.chain()
	victim := ChainVMC
	if s.Imp[ChainVMB]&impMapped != 0 && sp.deps(ChainVMB)&s.cleaned() != 0 {
		victim = ChainVMB
	}
	var rule string
	switch {
	case sp.Shape == VMFanOut:
		rule = fmt.Sprintf("vm-a keeps one record of the buffer for both importers and one flag for their imports: a release cleared it "+
			"while %s still imports, and the unexported buffer was cleaned up (gnttab_end_foreign_access, the pages back to vm-a) under %s's mapping; "+
			"hyper_dmabuf keeps a record per remote domain (hyper_dmabuf_find_hid_exported(dma_buf, rdomid)), each with its count "+
			"(exported->active), and cleans one up only when its count is 0", chainVMNames[victim], chainVMNames[victim])
	default:
		rule = "vm-b forwarded vm-a's grant references to vm-c and kept no reference on its import: its close was the last put, " +
			"hyper_dmabuf_ops_release sent RELEASE, vm-a's count dropped to 0 and the unexported buffer was cleaned up " +
			"(gnttab_end_foreign_access, the pages back to vm-a) while vm-c maps them; a re-export must hold the import down the chain " +
			"(hyper_dmabuf_export_remote_ioctl: dma_buf_get, dma_buf_attach, dma_buf_map_attachment, dropped by hyper_dmabuf_cleanup_sgt_info) " +
			"until vm-c released it"
	}
	return t.story(i, rule), true
}
