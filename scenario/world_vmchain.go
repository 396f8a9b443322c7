package scenario

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/dmabufcheck/dmabufcheck/model/world"
)

// The "vms" section of a world file declares three VMs sharing one buffer
// (world.VMChainSpec): vm-a owns the pages and exports them to vm-b and
// vm-c (fan-out), or to vm-b, which re-exports what it imported to vm-c.
// Each shape has one design choice, written out (no default):
//
//	vms:
//	  shape: fan-out                 # or re-export
//	  exporter-records: per-importer # fan-out: one-flag (one record, its imports a flag)
//	  re-export: hold-import         # re-export: forward-grants (vm-b keeps no reference)
//	  write-fences: every-hop        # re-export, optional: vm-c writes and vm-a reads; one-hop
//	                                 # (vm-b keeps the proxy of vm-c's write fence to itself)
//
// A world with this section makes the three VMs' calls and none of the
// two-VM "vm" section's.

var (
	vmsFields        = []string{"shape", "exporter-records", "re-export", "write-fences"}
	vmsRecordsNames  = []string{"one-flag", "per-importer"}
	vmsReexportNames = []string{"forward-grants", "hold-import"}
	vmsShapeNames    = world.VMChainShapeNames()
)

// vmsSection reads a world file's "vms" section into s.VMs.
func (f *fileReader) vmsSection(n *yaml.Node, s *world.Spec) {
	m := f.mapping(n, vmsFields)
	var v world.VMChainSpec
	x, ok := m["shape"]
	if !ok {
		f.fail(n, "vms: say the shape (%s)", strings.Join(vmsShapeNames, " or "))
		return
	}
	v.Shape = world.VMChainShape(1 + f.choice(x, "shape", vmsShapeNames))
	rec, hasRec := m["exporter-records"]
	re, hasRe := m["re-export"]
	switch v.Shape {
	case world.VMFanOut:
		if hasRe {
			f.fail(re, "vms: re-export: a fan-out has no re-export, the field would change nothing")
		}
		if !hasRec {
			f.fail(n, "vms: a fan-out says how vm-a records its importers (exporter-records: one-flag or per-importer)")
			return
		}
		v.PerImporter = f.choice(rec, "exporter records", vmsRecordsNames) == 1
	case world.VMReExport:
		if hasRec {
			f.fail(rec, "vms: exporter-records: a re-export chain has one importer per exporter, the field would change nothing")
		}
		if !hasRe {
			f.fail(n, "vms: a re-export chain says what vm-b's re-export holds (re-export: forward-grants or hold-import)")
			return
		}
		v.HoldImport = f.choice(re, "re-export design", vmsReexportNames) == 1
	}
	if x, ok := m["write-fences"]; ok {
		if v.Shape != world.VMReExport {
			f.fail(x, "vms: write-fences: vm-c's write fence travels up a re-export chain; a fan-out has none")
		}
		v.Fences = world.VMChainFences(1 + f.choice(x, "write-fence propagation", world.VMChainFenceNames()))
	}
	if s.VM != (world.VMSpec{}) {
		f.fail(n, "vms: a world of three VMs has no two-VM vm section")
	}
	s.VMs = v
}

// writeVMsSection renders s.VMs as a world file's "vms" section; nil when
// the spec declares no three VMs.
func writeVMsSection(s *world.Spec) (*yaml.Node, error) {
	v := s.VMs
	if v.Shape == world.VMChainNone {
		return nil, nil
	}
	n := mapping()
	add := func(k, val string) { n.Content = append(n.Content, scalar(k), scalar(val)) }
	add("shape", v.Shape.String())
	switch v.Shape {
	case world.VMFanOut:
		rec := vmsRecordsNames[0]
		if v.PerImporter {
			rec = vmsRecordsNames[1]
		}
		add("exporter-records", rec)
	case world.VMReExport:
		re := vmsReexportNames[0]
		if v.HoldImport {
			re = vmsReexportNames[1]
		}
		add("re-export", re)
		if v.Fences != world.ChainNoWrites {
			add("write-fences", v.Fences.String())
		}
	}
	return n, nil
}
