package world

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// A write at the end of a re-export chain (vm_chain.go): vm-c's device
// writes the pages it imported from vm-b, whose pages are vm-a's, and
// vm-a's own reader reads them. Implicit sync crosses a VM boundary as a
// proxy fence: the importer's write fence is sent to its exporter, which
// installs a proxy in its dma_resv (the proxy fences of the two-VM model,
// vm.go: ProxyOrdered; dma_resv_add_fence(DMA_RESV_USAGE_WRITE)), and
// dma_buf_begin_cpu_access in the exporter waits for it (dma_resv_wait_timeout).
// The write's frame notification goes up the chain to vm-a; if vm-b puts
// the proxy in its own dma_resv only (one hop) and does not forward it to
// its exporter, vm-a's begin_cpu_access finds no fence and vm-a reads the
// pages before vm-c's write landed: a violation of crossvm-no-stale-read.

// VMChainFences is how far vm-c's write fence travels up the chain.
type VMChainFences uint8

const (
	// ChainNoWrites: vm-c writes nothing (its write calls are refused).
	ChainNoWrites VMChainFences = iota
	// ChainFenceOneHop: vm-b installs a proxy of vm-c's write fence in
	// its own dma_resv and forwards nothing to vm-a.
	ChainFenceOneHop
	// ChainFenceEveryHop: each exporter down the chain forwards the proxy
	// to its own exporter, so vm-a's dma_resv holds one too.
	ChainFenceEveryHop
	numVMChainFences
)

var vmChainFenceNames = [numVMChainFences]string{"", "one-hop", "every-hop"}

// String is the propagation as a world file writes it ("one-hop",
// "every-hop").
func (f VMChainFences) String() string {
	if f < numVMChainFences {
		return vmChainFenceNames[f]
	}
	return fmt.Sprintf("VMChainFences(%d)", f)
}

// VMChainFenceNames lists the choices as world files write them.
func VMChainFenceNames() []string { return append([]string(nil), vmChainFenceNames[1:]...) }

// Calls of vm-c's write and vm-a's reader.
const (
	KVMChainWrite     CallKind = vmChainEnd + iota // vm-c's write job: dma_resv_add_fence in vm-c, proxies up the chain
	KVMChainWriteDone                              // the write lands: dma_fence_signal, the proxies signal
	KVMChainBegin                                  // vm-a's reader: dma_buf_begin_cpu_access (waits for vm-a's resv)
	KVMChainRead                                   // vm-a's reader: cpu_read
	vmChainFencesEnd
)

func isVMChainFenceKind(k CallKind) bool { return k >= KVMChainWrite && k < vmChainFencesEnd }

// VMChainWrite is vm-c's write job submitted.
func VMChainWrite() Call { return Call{Kind: KVMChainWrite, Obj: ChainVMC} }

// VMChainWriteDone is vm-c's write landing.
func VMChainWriteDone() Call { return Call{Kind: KVMChainWriteDone, Obj: ChainVMC} }

// VMChainBegin is vm-a's reader's dma_buf_begin_cpu_access.
func VMChainBegin() Call { return Call{Kind: KVMChainBegin, Obj: ChainVMA} }

// VMChainRead is vm-a's reader's load.
func VMChainRead() Call { return Call{Kind: KVMChainRead, Obj: ChainVMA} }

// vmChainFenceSyntaxes are the write's and the reader's calls; the VM
// names who makes them.
var vmChainFenceSyntaxes = []Syntax{
	{Name: "dma_resv_add_fence", Kind: KVMChainWrite, Args: []Arg{argChainBy}, Help: "vm-c's device write is submitted: its fence in vm-c's dma_resv, a proxy in each exporter's up the chain the design forwards it to"},
	{Name: "dma_fence_signal", Kind: KVMChainWriteDone, Args: []Arg{argChainBy}, Help: "vm-c's write lands and its fence (and the proxies) signal"},
	{Name: "dma_buf_begin_cpu_access", Kind: KVMChainBegin, Args: []Arg{argChainBy}, Help: "vm-a's reader begins CPU access: waits for the fences in vm-a's dma_resv"},
	{Name: "cpu_read", Kind: KVMChainRead, Args: []Arg{argChainBy}, Help: "vm-a's reader loads the pages inside its bracket"},
}

// chainState.Write: vm-c's write (chainWrite* phase) | vm-a's reader
// inside its bracket | its entitlement.
const (
	chainWriteNone    uint8 = 0
	chainWritePending uint8 = 1
	chainWriteDone    uint8 = 2
	chainWritePhase   uint8 = 3
	chainReaderInside uint8 = 1 << 2
	chainReaderWant   uint8 = 1 << 3 // the write was announced before the bracket began
)

// chainState.Flags bits of vm-a's reader (after the chain's own, below 1<<3).
const (
	chainFlagStaleRead  uint8 = 1 << 3 // vm-a read before vm-c's announced write landed
	chainCoverReadWrite uint8 = 1 << 4 // vm-a read vm-c's write, up to date
)

// vmChainFenceCheckCall rejects a write or read the world cannot make.
func (c *core) vmChainFenceCheckCall(call Call) error {
	s := &c.spec.VMs
	name := vmCallDefs[call.Kind&0xff].name
	switch {
	case s.Shape != VMReExport || s.Fences == ChainNoWrites:
		return fmt.Errorf("%s: a re-export chain with write-fences declared makes vm-c's write and vm-a's read", name)
	case call.Kind <= KVMChainWriteDone && call.Obj != ChainVMC:
		return fmt.Errorf("%s: vm-c writes, not %s", name, chainVMNames[call.Obj%3])
	case call.Kind >= KVMChainBegin && call.Obj != ChainVMA:
		return fmt.Errorf("%s: vm-a reads, not %s", name, chainVMNames[call.Obj%3])
	}
	return nil
}

// vmChainFenceEnabled: vm-c writes through its mapping; vm-a's
// begin_cpu_access waits while its dma_resv holds a pending proxy.
func (v View) vmChainFenceEnabled(c Call) bool {
	s := v.chain()
	switch c.Kind {
	case KVMChainWrite:
		return s.Imp[ChainVMC]&impMapped != 0 && s.Write&chainWritePhase == chainWriteNone
	case KVMChainWriteDone:
		return s.Write&chainWritePhase == chainWritePending
	case KVMChainBegin:
		pendingInA := v.w.spec.VMs.Fences == ChainFenceEveryHop && s.Write&chainWritePhase == chainWritePending
		return s.Write&chainReaderInside == 0 && !pendingInA
	case KVMChainRead:
		return s.Write&chainReaderInside != 0
	}
	return false
}

// vmChainFenceApply performs the write's and the reader's calls.
func (v View) vmChainFenceApply(c Call) {
	s := v.chain()
	switch c.Kind {
	case KVMChainWrite:
		s.Write = s.Write&^chainWritePhase | chainWritePending
	case KVMChainWriteDone:
		s.Write = s.Write&^chainWritePhase | chainWriteDone
	case KVMChainBegin:
		s.Write |= chainReaderInside
		if s.Write&chainWritePhase != chainWriteNone {
			s.Write |= chainReaderWant
		}
	case KVMChainRead:
		switch {
		case s.Write&chainReaderWant != 0 && s.Write&chainWritePhase != chainWriteDone:
			s.Flags |= chainFlagStaleRead
		case s.Write&chainReaderWant != 0:
			s.Flags |= chainCoverReadWrite
		}
	}
}

// vmChainFenceProps: vm-a never reads older than the write it was told
// of, and it can read that write.
func (c *core) vmChainFenceProps() []propDef {
	if c.spec.VMs.Fences == ChainNoWrites {
		return nil
	}
	return []propDef{
		{name: VMNoStaleRead, exp: statespace.Always, holds: func(v View) bool { return v.chain().Flags&chainFlagStaleRead == 0 }},
		{name: VMReadFrame, exp: statespace.Sometimes, holds: func(v View) bool { return v.chain().Flags&chainCoverReadWrite != 0 }},
	}
}

// vmChainFenceDescribe renders the write and the reader.
func (c *core) vmChainFenceDescribe(v View, add func(name, value string)) {
	if c.spec.VMs.Fences == ChainNoWrites {
		return
	}
	s := v.chain()
	add("vm-c.write", [...]string{"none", "submitted (fence pending)", "landed (fence signalled)", "?"}[s.Write&chainWritePhase])
	r := "idle"
	if s.Write&chainReaderInside != 0 {
		r = "inside begin/end_cpu_access"
		if s.Write&chainReaderWant != 0 {
			r += ", told of vm-c's write"
		}
	}
	add("vm-a.reader", r)
}

// vmChainStaleRead explains crossvm-no-stale-read in a chain.
func (c *core) vmChainStaleRead(t *trail) (string, bool) {
	i, _, _, _ := t.guiltyCall(func(v View) bool { return v.chain().Flags&chainFlagStaleRead == 0 })
	if i < 0 {
		return "", false
	}
	return t.story(i, "vm-b installed the proxy of vm-c's write fence in its own dma_resv only, though vm-a had been told of the write "+
		"before its begin_cpu_access: vm-a's dma_resv held no fence for dma_resv_wait_timeout to wait for, and vm-a read the pages before "+
		"the write landed; each exporter down the chain must forward the proxy to its own exporter (every-hop)"), true
}
