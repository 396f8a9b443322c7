package world

import (
	"slices"
	"strconv"
)

// The p2p family's textual form: its calls as scenario files write them
// (p2pSyntaxes) and the atoms its guards read (p2pAtoms).
//
// Importers are named by their name (or their topology device when they
// have none). The exporter's attach, which asks pci_p2pdma_distance and
// then maps by the map type, is dma_buf_dynamic_attach(IMPORTER); the
// fallback after -EBUSY is dma_buf_dynamic_attach(IMPORTER, no_peer2peer).
// The CPU's accesses to the BAR's buffer take "bar" as their lead:
// cpu_read(bar, 0), cache_prefetch(bar, 0).

// P2PImporterNames returns the names the p2p family's importers go by in
// calls and expressions: each one's name, or its device when it has none.
func P2PImporterNames(s *Spec) []string {
	var out []string
	for _, im := range s.P2P.Importers {
		n := im.Name
		if n == "" {
			n = im.Device
		}
		out = append(out, n)
	}
	return out
}

// The p2p family's arguments.
var (
	argImporter = Arg{Form: "IMPORTER", What: "a p2p importer", Names: P2PImporterNames, Parse: byName(P2PImporterNames),
		Set: func(c *Call, v int) { c.Dev = v }, Get: func(c Call) int { return c.Dev }}
	argBARLine = Arg{Form: "BAR_LINE", What: "a line of the BAR's buffer", Parse: func(s *Spec, t string) (int, bool) {
		n, err := strconv.Atoi(t)
		return n, err == nil && n >= 0 && n < s.P2P.Lines
	}, Set: func(c *Call, v int) { c.Line = v }, Get: func(c Call) int { return c.Line },
		Default: func(s *Spec) (string, bool) { return "0", s.P2P.Lines == 1 }}
	// argNoPeer2Peer is the fixed word of the attach without peer2peer.
	argNoPeer2Peer = Arg{Form: "no_peer2peer", What: "no_peer2peer", Parse: func(_ *Spec, t string) (int, bool) { return 0, t == "no_peer2peer" },
		Set: func(*Call, int) {}, Get: func(Call) int { return 0 }, Format: func(*Spec, int) string { return "no_peer2peer" }}
)

// p2pSyntaxes are the p2p family's calls as scenario files write them
// (syntax.go).
var p2pSyntaxes = []Syntax{
	{Name: "dma_buf_dynamic_attach", Kind: KP2PAttach, Args: []Arg{argImporter}, Help: "the importer attaches (allow_peer2peer as declared) and maps: the exporter's attach asks pci_p2pdma_distance (accept, redirect to system memory, or -EBUSY), its map hands out bus addresses, an IOVA or CPU physical addresses"},
	{Name: "dma_buf_dynamic_attach", Kind: KP2PRetry, Args: []Arg{argImporter, argNoPeer2Peer}, Help: "after -EBUSY: attach and map again without allow_peer2peer"},
	{Name: "dma_buf_vmap", Kind: KP2PCopy, Args: []Arg{argImporter}, Help: "after -EBUSY: the importer's driver falls back to a CPU copy through a bounce buffer"},
	{Name: "give_up", Kind: KP2PGiveUp, Args: []Arg{argImporter}, Help: "after -EBUSY, no fallback left: the importer's operation fails"},
	{Name: "peer_dma_read", Kind: KP2PDMARead, Args: []Arg{argImporter}, Help: "the importer's device starts a DMA read of the buffer (the exporter's begin hook)"},
	{Name: "peer_dma_write", Kind: KP2PDMAWrite, Args: []Arg{argImporter}, Help: "the importer's device starts a DMA write of the buffer (the exporter's begin hook)"},
	{Name: "peer_dma_done", Kind: KP2PDMADone, Args: []Arg{argImporter}, Help: "the importer's DMA completes (the exporter's end hook)"},
	{Name: "cpu_read", Lead: "bar", Kind: KP2PCPURead, Args: []Arg{argBARLine}, Help: "a CPU load through the mapping of the BAR"},
	{Name: "cpu_write", Lead: "bar", Kind: KP2PCPUWrite, Args: []Arg{argBARLine}, Help: "a CPU store through the mapping of the BAR"},
	{Name: "cache_prefetch", Lead: "bar", Kind: KP2PPrefetch, Args: []Arg{argBARLine}, Help: "the CPU cache fills a line of a stolen BAR speculatively"},
	p2pMigrateSyntax,
	p2pRemapSyntax,
	{Name: "cache_evict", Lead: "bar", Kind: KP2PEvict, Args: []Arg{argBARLine}, Help: "the CPU cache writes a line of a stolen BAR back (if dirty) and drops it"},
}

// p2pAttNames name the attachment states (P2PAtt*) for
// p2p_attachment(IMPORTER, STATE).
var p2pAttNames = [...]string{P2PAttNone: "none", P2PAttPeer: "peer", P2PAttSys: "sysmem", P2PAttRejected: "rejected",
	P2PAttRetryRejected: "retry_rejected", P2PAttCopy: "copy", P2PAttFailed: "failed", P2PAttMoved: "moved"}

var argP2PAtt = Arg{Form: "STATE", What: "an attachment state", Names: func(*Spec) []string { return p2pAttNames[:] },
	Parse: func(_ *Spec, t string) (int, bool) { i := slices.Index(p2pAttNames[:], t); return i, i >= 0 }}

// p2pAtoms are the p2p family's atoms of the expression language
// (exprparse.go).
var p2pAtoms = []Atom{
	{Name: "p2p_attachment", Args: []Arg{argImporter, argP2PAtt}, Help: "the importer's attachment is in the state (none, peer, sysmem, rejected, retry_rejected, copy, failed, moved)", Build: func(t string, a []int, _ []string) Expr {
		i, st := a[0], uint8(a[1])
		return Pred(t, func(v View) bool { return v.P2PAttachment(i) == st })
	}},
	{Name: "p2p_working", Args: []Arg{argImporter}, Help: "the importer has a path to the buffer: a mapping (peer-to-peer or in system memory) or a CPU copy", Build: func(t string, a []int, _ []string) Expr {
		i := a[0]
		return Pred(t, func(v View) bool { return v.P2PWorking(i) })
	}},
	{Name: "p2p_dma_in_flight", Help: "some importer's DMA is in flight", Build: func(t string, _ []int, _ []string) Expr {
		return Pred(t, View.P2PDMAInFlight)
	}},
	{Name: "p2p_migrated", Help: "the exporter moved the buffer to system memory (GTT)", Build: func(t string, _ []int, _ []string) Expr {
		return Pred(t, func(v View) bool { return *v.p2pPlace() == p2pPlaceSys })
	}},
	{Name: "bar_mem", Args: []Arg{argBARLine}, Help: "the version the line of the BAR's buffer holds in memory", Build: func(t string, a []int, _ []string) Expr {
		l := a[0]
		return Value(t, func(v View) int { return int(*v.p2pMem(l)) })
	}},
	{Name: "bar_latest", Args: []Arg{argBARLine}, Help: "the latest completed write's version of the line", Build: func(t string, a []int, _ []string) Expr {
		l := a[0]
		return Value(t, func(v View) int { return int(*v.p2pLatest(l)) })
	}},
}
