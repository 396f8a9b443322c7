package scenario

import (
	"strings"
	"testing"
)

// TestVMSectionErrors: mistakes in a world file's vm section and vm calls
// are reported where they are written.
func TestVMSectionErrors(t *testing.T) {
	prog := "agents:\n  - name: a\n    program:\n      - HYPER_DMABUF_EXPORT_REMOTE()\n"
	for _, tc := range []struct{ name, text, want string }{
		{"unknown field", "vm:\n  desing: xen-zcopy\n", `w.yaml:3:3: unknown field "desing" (did you mean "design"?)`},
		{"unknown design", "vm:\n  design: xen-zcpy\n", `w.yaml:3:11: unknown design "xen-zcpy" (did you mean "xen-zcopy"?)`},
		{"frames", "vm:\n  frames: 3\n", `w.yaml:3:11: want an integer between 1 and 2, not "3"`},
		{"acked without remote operations", "vm:\n  design: xen-zcopy\n  acked: true\n", `w.yaml:4:10: vm: acked: xen-zcopy sends no remote operations`},
		{"ring field", "vm:\n  ring: {cap: 2, ordre: fifo}\n", `w.yaml:3:18: unknown field "ordre" (did you mean "order"?)`},
		{"order of a one-message ring", "vm:\n  ring: {order: fifo}\n", `w.yaml:3:17: vm: ring: order: a ring of capacity 1 holds one message`},
		{"retry without losses", "vm:\n  acked: true\n  retry: true\n", `w.yaml:4:10: vm: retry: retransmission needs a lossy ring`},
		{"unknown message", "vm: {}\n" + strings.Replace(prog, "HYPER_DMABUF_EXPORT_REMOTE()", "back_ring_isr(vm-b, FRAM1)", 1),
			`w.yaml:6:29: back_ring_isr(vm-b, MSG): argument 1 must be a message of the ring to vm-b (did you mean "FRAME1"?), not "FRAM1"`},
		{"unknown VM", "vm: {}\n" + strings.Replace(prog, "HYPER_DMABUF_EXPORT_REMOTE()", "back_ring_isr(vm-c, EXPORT)", 1),
			`w.yaml:6:23: back_ring_isr: the first argument must be vm-a or vm-b`},
		{"unknown atom", "vm: {}\n" + strings.Replace(prog, "- HYPER_DMABUF_EXPORT_REMOTE()", "- when: never_exportd\n        do: HYPER_DMABUF_EXPORT_REMOTE()", 1),
			`w.yaml:6:15: unknown name "never_exportd" (did you mean "never_exported"?)`},
		{"valid", "vm:\n  design: hyper_dmabuf\n  acked: true\n  ring: {cap: 2, order: fifo, losses: 1}\n  retry: true\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := "model: world\n" + tc.text
			if !strings.Contains(tc.text, "agents:") {
				text += prog
			}
			_, _, _, err := ParseFile(Builtin(), "w.yaml", []byte(text))
			checkFileError(t, err, tc.want)
		})
	}
}

// TestP2PSectionErrors: mistakes in a world file's p2p section and p2p
// calls are reported where they are written.
func TestP2PSectionErrors(t *testing.T) {
	good := "p2p:\n  topology:\n    nodes:\n      - {name: hb, kind: host-bridge}\n      - {name: rp, kind: root-port, parent: hb}\n" +
		"      - {name: gpu, kind: endpoint, parent: rp}\n      - {name: nic, kind: endpoint, parent: rp}\n" +
		"  exporter: {device: gpu}\n  importers:\n    - {device: nic, allow-p2p: true}\n"
	prog := "agents:\n  - name: a\n    program:\n      - dma_buf_dynamic_attach(nic)\n"
	for _, tc := range []struct{ name, p2p, call, want string }{
		{"unknown kind", strings.Replace(good, "kind: root-port", "kind: root-prot", 1), "", `w.yaml:6:26: unknown node kind "root-prot" (did you mean "root-port"?)`},
		{"parent after child", strings.Replace(good, "parent: hb}", "parent: gpu}", 1), "", `w.yaml:6:45: p2p: topology: parent "gpu" is not a node listed before rp`},
		{"ACS on an endpoint", strings.Replace(good, "{name: nic, kind: endpoint, parent: rp}", "{name: nic, kind: endpoint, parent: rp, acs-redirect: true}", 1), "",
			`w.yaml:8:63: p2p: topology: acs-redirect: ACS redirect is a bridge port's (root or switch port), and nic is a endpoint`},
		{"exporter not an endpoint", strings.Replace(good, "device: gpu}", "device: rp}", 1), "", `w.yaml:9:22: p2p: exporter device "rp" is not an endpoint of the topology`},
		{"maintenance without a stolen BAR", strings.Replace(good, "device: gpu}", "device: gpu, maint: flush-around}", 1), "", `w.yaml:9:34: p2p: maint: cache maintenance applies to a stolen BAR`},
		{"unknown exporter field", strings.Replace(good, "device: gpu}", "device: gpu, atach: naive}", 1), "", `w.yaml:9:27: unknown field "atach" (did you mean "attach"?)`},
		{"unknown importer", good, "dma_buf_dynamic_attach(nci)", `w.yaml:15:32: dma_buf_dynamic_attach(IMPORTER): argument 1 must be a p2p importer (did you mean "nic"?), not "nci"`},
		{"BAR line out of range", good, "cpu_read(bar, 2)", `w.yaml:15:23: cpu_read(bar, BAR_LINE): argument 1 must be a line of the BAR's buffer, not "2"`},
		{"unknown attachment state", good, "", ""},
		{"valid", good, "cpu_read(bar)", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := prog
			if tc.call != "" {
				p = strings.Replace(p, "dma_buf_dynamic_attach(nic)", tc.call, 1)
			}
			if tc.name == "unknown attachment state" {
				p = strings.Replace(p, "- dma_buf_dynamic_attach(nic)", "- when: p2p_attachment(nic, rejcted)\n        do: dma_buf_dynamic_attach(nic)", 1)
				tc.want = `w.yaml:15:35: p2p_attachment: "rejcted" is not an attachment state (did you mean "rejected"?)`
			}
			_, _, _, err := ParseFile(Builtin(), "w.yaml", []byte("model: world\n"+tc.p2p+p))
			checkFileError(t, err, tc.want)
		})
	}
}
