package world

import (
	"fmt"
	"slices"
)

// Sharing at scale (issue 18, class 7), its VM part: one buffer shared
// by three VMs. vm-a owns the pages; it shares them with two importing
// VMs (fan-out), or with vm-b, which shares the buffer it imported on
// with vm-c (a re-export chain). The two-VM model (vm.go) is about the
// rings between an exporter and one importer; this part is about the
// bookkeeping each exporter keeps per importer, and it crosses the VM
// boundary at once: every remote operation waits for its reply
// (hyper_dmabuf's sync_request(…, WAIT_AFTER_SYNC_REQ)), so a call and the
// exporter's handling of its request are one step. A world with a "vms"
// section makes these calls and none of the two-VM model's.
//
// The calls follow hyper_dmabuf (the RFC v2's hyper_dmabuf_ioctl.c and
// hyper_dmabuf_remote_sync.c) over Xen grants:
//
//   - HYPER_DMABUF_EXPORT_REMOTE(x, y): VM x shares its buffer with VM y
//     (gnttab_grant_foreign_access to domain y, the EXPORT message). The
//     driver keeps a record of the export, exported_sgt_info, found by
//     hyper_dmabuf_find_hid_exported(dma_buf, rdomid): one per buffer and
//     remote domain, with exported->valid and exported->active, the
//     importer's imports. vm-b's re-export of its imported buffer takes a
//     reference on it (hyper_dmabuf_export_remote_ioctl: dma_buf_get, then
//     dma_buf_attach and dma_buf_map_attachment) that the record's
//     cleanup drops (hyper_dmabuf_cleanup_sgt_info).
//   - HYPER_DMABUF_EXPORT_FD(y): VM y imports: EXPORT_FD to its exporter
//     (exported->active++ when valid, REQ_ERROR otherwise), the grants
//     mapped, an fd.
//   - dma_buf_put(y): y closes its fd; the last reference of y's imported
//     dma-buf runs hyper_dmabuf_ops_release: the grants unmapped, RELEASE
//     to the exporter (exported->active--).
//   - HYPER_DMABUF_UNEXPORT(x, y): x stops sharing with y (valid = false,
//     NOTIFY_UNEXPORT).
//
// An exporter cleans up a record that is no longer valid when its count
// is zero (HYPER_DMABUF_OPS_RELEASE in hyper_dmabuf_remote_sync, and the
// unexport itself): gnttab_end_foreign_access on its grants, the
// attachment to the buffer dropped, the pages back to their owner. Pages
// given back while a VM still maps them violate
// crossvm-no-page-use-after-free, whatever step gives them back.

// VMChainShape is how the three VMs share the buffer.
type VMChainShape uint8

const (
	// VMChainNone: the world has no "vms" section.
	VMChainNone VMChainShape = iota
	// VMFanOut: vm-a exports to vm-b and to vm-c.
	VMFanOut
	// VMReExport: vm-a exports to vm-b, vm-b re-exports what it imported
	// to vm-c.
	VMReExport
	numVMChainShapes
)

var vmChainShapeNames = [numVMChainShapes]string{"", "fan-out", "re-export"}

// String is the shape as a world file writes it ("fan-out", "re-export").
func (s VMChainShape) String() string {
	if s < numVMChainShapes {
		return vmChainShapeNames[s]
	}
	return fmt.Sprintf("VMChainShape(%d)", s)
}

// VMChainShapeNames lists the shapes as world files write them.
func VMChainShapeNames() []string { return slices.Clone(vmChainShapeNames[1:]) }

// VMChainSpec declares three VMs sharing one buffer (the "vms" section).
type VMChainSpec struct {
	Shape VMChainShape
	// PerImporter (fan-out): vm-a keeps a record per importing VM, each
	// with its count (hyper_dmabuf's exported_sgt_info per remote domain,
	// exported->active); otherwise one record for the buffer whose
	// importers are one flag, set by any import and cleared by any
	// release.
	PerImporter bool
	// HoldImport (re-export): vm-b's re-export holds a reference on the
	// dma-buf it imported until the re-export's record is cleaned up
	// (hyper_dmabuf_export_remote_ioctl's dma_buf_get); otherwise vm-b
	// forwards vm-a's grant references to vm-c and keeps no reference.
	HoldImport bool
	// Fences (re-export): how far vm-c's write fence travels up the
	// chain (vm_chain_fences.go); ChainNoWrites: vm-c writes nothing.
	Fences VMChainFences
}

// used reports whether the world declares the three VMs.
func (s *VMChainSpec) used() bool { return s.Shape != VMChainNone }

func (s *VMChainSpec) validate() error {
	switch {
	case s.Shape >= numVMChainShapes:
		return fmt.Errorf("vms: unknown shape %d", s.Shape)
	case s.PerImporter && s.Shape != VMFanOut:
		return fmt.Errorf("vms: per-importer records are the fan-out's choice")
	case s.HoldImport && s.Shape != VMReExport:
		return fmt.Errorf("vms: holding the import is the re-export's choice")
	case s.Fences >= numVMChainFences:
		return fmt.Errorf("vms: unknown write-fence propagation %d", s.Fences)
	case s.Fences != ChainNoWrites && s.Shape != VMReExport:
		return fmt.Errorf("vms: write fences travel up a re-export chain")
	}
	return nil
}

// The three VMs.
const (
	ChainVMA = 0
	ChainVMB = 1
	ChainVMC = 2
)

var chainVMNames = [3]string{"vm-a", "vm-b", "vm-c"}

// Calls of the three VMs (the vm family's, after the two-VM model's).
const (
	KVMChainExport   CallKind = vmEndCalls + iota // HYPER_DMABUF_EXPORT_REMOTE(Obj → N)
	KVMChainUnexport                              // HYPER_DMABUF_UNEXPORT(Obj → N)
	KVMChainImport                                // HYPER_DMABUF_EXPORT_FD(Obj)
	KVMChainRelease                               // close of Obj's fd: dma_buf_put → hyper_dmabuf_ops_release
	vmChainEnd
)

// isVMChainKind: a call of the three VMs, vm-c's write and vm-a's reader
// (vm_chain_fences.go) included.
func isVMChainKind(k CallKind) bool { return k >= KVMChainExport && k < vmChainFencesEnd }

// VMChainExport is HYPER_DMABUF_EXPORT_REMOTE by VM x to VM y.
func VMChainExport(x, y int) Call { return Call{Kind: KVMChainExport, Obj: x, N: y} }

// VMChainUnexport is HYPER_DMABUF_UNEXPORT by VM x of its export to VM y.
func VMChainUnexport(x, y int) Call { return Call{Kind: KVMChainUnexport, Obj: x, N: y} }

// VMChainImport is VM y's HYPER_DMABUF_EXPORT_FD.
func VMChainImport(y int) Call { return Call{Kind: KVMChainImport, Obj: y} }

// VMChainRelease is VM y closing its fd of the imported dma-buf.
func VMChainRelease(y int) Call { return Call{Kind: KVMChainRelease, Obj: y} }

// Records: the exporters' exported_sgt_info. Fan-out with one record:
// slot 0 for both importers.
const (
	recAB = 0 // vm-a's export to vm-b (fan-out with one record: to both)
	recAC = 1 // vm-a's export to vm-c (fan-out, per-importer records)
	recBC = 2 // vm-b's re-export to vm-c
)

var recNames = [3]string{"vm-a→vm-b", "vm-a→vm-c", "vm-b→vm-c"}

// source is the VM y imports from.
func (s *VMChainSpec) source(y int) int {
	if s.Shape == VMReExport && y == ChainVMC {
		return ChainVMB
	}
	return ChainVMA
}

// rec is the record of x's export to y, or -1 when the shape has no such
// export.
func (s *VMChainSpec) rec(x, y int) int {
	switch {
	case y != ChainVMB && y != ChainVMC || s.source(y) != x:
		return -1
	case x == ChainVMB:
		return recBC
	case y == ChainVMC && s.Shape == VMFanOut && s.PerImporter:
		return recAC
	}
	return recAB
}

// deps are the records whose cleanup takes away the pages y maps: the
// grants it mapped and, down a chain that holds its import, the pages
// under them.
func (s *VMChainSpec) deps(y int) uint8 {
	if s.Shape == VMReExport && y == ChainVMC && s.HoldImport {
		return 1<<recBC | 1<<recAB
	}
	if s.Shape == VMReExport {
		// Forwarded grants are vm-a's: vm-c maps vm-a's pages directly.
		return 1 << recAB
	}
	return 1 << s.rec(ChainVMA, y)
}

// ownerRecs are vm-a's records: the pages are back with their owner
// once all of them are cleaned up.
func (s *VMChainSpec) ownerRecs() uint8 {
	if s.Shape == VMFanOut && s.PerImporter {
		return 1<<recAB | 1<<recAC
	}
	return 1 << recAB
}

// argChainVM is one of the three VMs of a world with a "vms" section.
// Without the section there is none: the error says to declare it.
var argChainVM = Arg{Form: "VM", What: "a VM of the vms section (vm-a, vm-b, vm-c)",
	Names: func(s *Spec) []string {
		if !s.VMs.used() {
			return nil
		}
		return chainVMNames[:]
	},
	Parse: func(s *Spec, t string) (int, bool) {
		i := slices.Index(chainVMNames[:], t)
		return i, i >= 0 && s.VMs.used()
	}}

// argChainTo is the importing VM of an export: stored in Call.N.
var argChainTo = Arg{Form: argChainVM.Form, What: argChainVM.What, Names: argChainVM.Names, Parse: argChainVM.Parse,
	Set: func(c *Call, v int) { c.N = v }, Get: func(c Call) int { return c.N },
	Format: func(_ *Spec, v int) string { return chainVMNames[v%3] }}

// argChainBy is the VM making the call: stored in Call.Obj.
var argChainBy = Arg{Form: argChainVM.Form, What: argChainVM.What, Names: argChainVM.Names, Parse: argChainVM.Parse,
	Set: func(c *Call, v int) { c.Obj = v }, Get: func(c Call) int { return c.Obj },
	Format: func(_ *Spec, v int) string { return chainVMNames[v%3] }}

// vmChainSyntaxes are the three VMs' calls as scenario files write them.
// They come before the two-VM model's forms of the same names: in a world
// with a "vms" section, dma_buf_put(vm-b) is vm-b closing its import.
var vmChainSyntaxes = []Syntax{
	{Name: "HYPER_DMABUF_EXPORT_REMOTE", Kind: KVMChainExport, Args: []Arg{argChainBy, argChainTo}, Help: "the first VM shares its buffer (vm-b: the one it imported) with the second: gnttab_grant_foreign_access, EXPORT"},
	{Name: "HYPER_DMABUF_UNEXPORT", Kind: KVMChainUnexport, Args: []Arg{argChainBy, argChainTo}, Help: "the first VM stops sharing with the second: valid = false, cleanup when the record's count is 0"},
	{Name: "HYPER_DMABUF_EXPORT_FD", Kind: KVMChainImport, Args: []Arg{argChainBy}, Help: "the VM imports the buffer shared with it: EXPORT_FD to its exporter, the grants mapped"},
	{Name: "dma_buf_put", Kind: KVMChainRelease, Args: []Arg{argChainBy}, Help: "the VM closes its fd of the imported dma-buf; the last reference runs hyper_dmabuf_ops_release (RELEASE to the exporter)"},
}

// vmChainAtoms are the atoms over the three VMs.
var vmChainAtoms = []Atom{
	{Name: "exported_to", Args: []Arg{argChainVM}, Help: "the VM was sent an export (EXPORT) that is still valid",
		Build: func(t string, a []int, _ []string) Expr {
			y := a[0]
			return Expr{Text: t, f: func(w *core, b []byte) int {
				if w.lay.vmChain < 0 {
					return 0
				}
				v := View{w: w, b: b}
				return b2i(v.chainExportedTo(y))
			}}
		}},
}

// vmChainCallName renders a call of the three VMs.
func (c *core) vmChainCallName(call Call) string {
	by, to := chainVMNames[call.Obj%3], chainVMNames[call.N%3]
	if isVMChainFenceKind(call.Kind) {
		return by + ": " + vmCallDefs[call.Kind&0xff].name
	}
	d := &vmCallDefs[call.Kind&0xff]
	switch call.Kind {
	case KVMChainExport:
		if call.Obj == ChainVMB {
			return fmt.Sprintf("%s: %s of its import to %s", by, d.name, to)
		}
		return fmt.Sprintf("%s: %s to %s", by, d.name, to)
	case KVMChainUnexport:
		return fmt.Sprintf("%s: %s of its export to %s", by, d.name, to)
	case KVMChainImport:
		return fmt.Sprintf("%s: %s", by, d.name)
	}
	return fmt.Sprintf("%s: close its fd: %s", by, d.name)
}

// vmChainCheckCall rejects a call the world's VMs cannot make.
func (c *core) vmChainCheckCall(call Call) error {
	s := &c.spec.VMs
	if call.Obj < 0 || call.Obj > ChainVMC {
		return fmt.Errorf("%s: no VM %d", c.callName(call, 0), call.Obj)
	}
	if isVMChainFenceKind(call.Kind) {
		return c.vmChainFenceCheckCall(call)
	}
	name := vmCallDefs[call.Kind&0xff].name
	if !s.used() {
		return fmt.Errorf("%s: declare the VMs (a vms section)", name)
	}
	switch call.Kind {
	case KVMChainExport, KVMChainUnexport:
		if s.rec(call.Obj, call.N) < 0 {
			return fmt.Errorf("%s: in a %s world %s does not export to %s", name, s.Shape, chainVMNames[call.Obj], chainVMNames[call.N%3])
		}
	default:
		if call.Obj == ChainVMA || call.N != 0 {
			return fmt.Errorf("%s: vm-a owns the pages; vm-b or vm-c imports them", name)
		}
	}
	return nil
}
