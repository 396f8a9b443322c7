package world_test

import (
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// checkVMs checks crossvm-no-page-use-after-free alone in spec.
func checkVMs(t *testing.T, spec world.Spec) *statespace.Result {
	t.Helper()
	m, err := world.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	r, err := world.Check(m, statespace.Options{Only: []string{world.VMNoUseAfterFree}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestExporterCountsEachImportingVM: hyper_dmabuf keeps a record per
// buffer and remote domain (hyper_dmabuf_ioctl.c:
// hyper_dmabuf_export_remote_ioctl → hyper_dmabuf_find_hid_exported(dma_buf,
// rdomid)), each with its count of imports (exported->active, decremented
// by HYPER_DMABUF_OPS_RELEASE in hyper_dmabuf_remote_sync.c). One record
// whose importers are a flag lets the first release clean up the buffer
// under the second importer; a record per importer does not.
func TestExporterCountsEachImportingVM(t *testing.T) {
	spec := builtinSpec(t, "crossvm-two-importers-one-flag")
	if r := checkVMs(t, spec); r.Violation == nil || len(r.Violation.Trace.Steps)-1 != 6 {
		t.Fatalf("one flag: %v; want a violation in 6 steps", r.Status)
	}
	spec.VMs.PerImporter = true
	if r := checkVMs(t, spec); r.Status != statespace.StatusOK {
		t.Errorf("a record per importer: %v; want it to hold", r.Status)
	}
}

// TestOneFlagNeedsOverlappingImports: the one-flag exporter's bug is an
// interleaving, not the flag alone: when vm-c imports only after vm-b
// released (one user doing both in turn), the flag counts right.
func TestOneFlagNeedsOverlappingImports(t *testing.T) {
	spec := builtinSpec(t, "crossvm-two-importers-one-flag")
	a, b, c := world.ChainVMA, world.ChainVMB, world.ChainVMC
	spec.Agents = []world.Agent{
		{Name: "vm-a user", Program: world.Seq{world.VMChainExport(a, b), world.VMChainExport(a, c), world.VMChainUnexport(a, b), world.VMChainUnexport(a, c)}},
		{Name: "users in turn", Program: world.Seq{world.VMChainImport(b), world.VMChainRelease(b), world.VMChainImport(c), world.VMChainRelease(c)}},
	}
	if r := checkVMs(t, spec); r.Status != statespace.StatusOK {
		t.Errorf("imports in turn: %v; want it to hold", r.Status)
	}
}

// TestReExportHoldsItsImportDownTheChain: a re-export must keep the buffer
// it re-exports: hyper_dmabuf_export_remote_ioctl takes dma_buf_get,
// dma_buf_attach and dma_buf_map_attachment on the dma-buf it exports (an
// imported one too), dropped only by hyper_dmabuf_cleanup_sgt_info. Forwarding
// vm-a's grants without a reference lets vm-b's close be the last put
// (hyper_dmabuf_ops_release → RELEASE) while vm-c still maps vm-a's pages.
func TestReExportHoldsItsImportDownTheChain(t *testing.T) {
	spec := builtinSpec(t, "crossvm-reexport-chain-forward-grants")
	r := checkVMs(t, spec)
	if r.Violation == nil || len(r.Violation.Trace.Steps)-1 != 6 {
		t.Fatalf("forwarded grants: %v; want a violation in 6 steps", r.Status)
	}
	spec.VMs.HoldImport = true
	if r := checkVMs(t, spec); r.Status != statespace.StatusOK {
		t.Errorf("the import held: %v; want it to hold", r.Status)
	}
}

// TestVMsRefuseWhatTheirShapeCannotDo: a world of three VMs names only
// the exports its shape has, a design choice of the other shape, or a
// call of the two-VM model, and is refused when it is built.
func TestVMsRefuseWhatTheirShapeCannotDo(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(*world.Spec)
		want  string
	}{
		{"vm-a exports to vm-c in a chain", func(s *world.Spec) {
			s.Agents[0].Program = world.VMChainExport(world.ChainVMA, world.ChainVMC)
		}, "does not export"},
		{"vm-a imports", func(s *world.Spec) { s.Agents[0].Program = world.VMChainImport(world.ChainVMA) }, "vm-a owns the pages"},
		{"a two-VM call", func(s *world.Spec) { s.Agents[0].Program = world.VMExport() }, "three VMs"},
		{"per-importer records in a chain", func(s *world.Spec) { s.VMs.PerImporter = true }, "fan-out"},
		{"no vms section", func(s *world.Spec) { s.VMs = world.VMChainSpec{} }, "declare the VMs"},
	} {
		spec := builtinSpec(t, "crossvm-reexport-chain-hold-import")
		tc.spoil(&spec)
		_, err := world.Build(spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Build error %v, want one saying %q", tc.name, err, tc.want)
		}
	}
}

// TestWriteFenceTravelsEveryHop: implicit sync across VMs is a proxy of the
// importer's write fence in its exporter's dma_resv
// (dma_resv_add_fence(DMA_RESV_USAGE_WRITE)), which the exporter's
// dma_buf_begin_cpu_access waits for (drivers/dma-buf/dma-buf.c →
// dma_resv_wait_timeout). Down a chain, a proxy that stops at vm-b leaves
// vm-a's dma_resv empty and vm-a reads before vm-c's write landed; each hop
// forwarding it holds.
func TestWriteFenceTravelsEveryHop(t *testing.T) {
	spec := builtinSpec(t, "crossvm-reexport-chain-fence-one-hop")
	only := func(spec world.Spec) *statespace.Result {
		m, err := world.Build(spec)
		if err != nil {
			t.Fatal(err)
		}
		r, err := world.Check(m, statespace.Options{Only: []string{world.VMNoStaleRead}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := only(spec); r.Violation == nil || len(r.Violation.Trace.Steps)-1 != 7 {
		t.Fatalf("one hop: %v; want a stale read in 7 steps", r.Status)
	}
	spec.VMs.Fences = world.ChainFenceEveryHop
	if r := only(spec); r.Status != statespace.StatusOK {
		t.Errorf("every hop: %v; want it to hold", r.Status)
	}
	spec.VMs.Fences = world.ChainNoWrites
	if _, err := world.Build(spec); err == nil || !strings.Contains(err.Error(), "write-fences") {
		t.Errorf("a write without write-fences: Build error %v, want one naming write-fences", err)
	}
}
