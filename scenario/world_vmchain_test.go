package scenario

import (
	"strings"
	"testing"
)

// TestVMsSectionErrors: mistakes in a world file's vms section (three VMs
// sharing one buffer) are reported where they are written, and a field
// that would change nothing is refused.
func TestVMsSectionErrors(t *testing.T) {
	prog := "agents:\n  - name: a\n    program:\n      - HYPER_DMABUF_EXPORT_REMOTE(vm-a, vm-b)\n      - HYPER_DMABUF_EXPORT_FD(vm-b)\n"
	for _, tc := range []struct{ name, text, want string }{
		{"no shape", "vms: {re-export: hold-import}\n", `w.yaml:2:6: vms: say the shape (fan-out or re-export)`},
		{"unknown shape", "vms: {shape: fanout}\n", `w.yaml:2:14: unknown shape "fanout" (did you mean "fan-out"?)`},
		{"fan-out without its choice", "vms: {shape: fan-out}\n", `w.yaml:2:6: vms: a fan-out says how vm-a records its importers`},
		{"re-export choice in a fan-out", "vms: {shape: fan-out, exporter-records: one-flag, re-export: hold-import}\n",
			`w.yaml:2:62: vms: re-export: a fan-out has no re-export, the field would change nothing`},
		{"records in a chain", "vms: {shape: re-export, re-export: hold-import, exporter-records: one-flag}\n",
			`w.yaml:2:67: vms: exporter-records: a re-export chain has one importer per exporter`},
		{"a two-VM section too", "vm: {}\nvms: {shape: fan-out, exporter-records: one-flag}\n", `vms: a world of three VMs has no two-VM vm section`},
		{"an export the shape has not", "vms: {shape: re-export, re-export: hold-import}\n" +
			strings.Replace(prog, "(vm-a, vm-b)", "(vm-a, vm-c)", 1), "in a re-export world vm-a does not export to vm-c"},
		{"no vms section", prog, `w.yaml:5:36: HYPER_DMABUF_EXPORT_REMOTE(VM, VM): argument 1 must be a VM of the vms section (vm-a, vm-b, vm-c) (the world has none), not "vm-a"`},
		{"unknown VM", "vms: {shape: fan-out, exporter-records: one-flag}\n" + strings.Replace(prog, "EXPORT_FD(vm-b)", "EXPORT_FD(vm-d)", 1),
			`w.yaml:7:32: HYPER_DMABUF_EXPORT_FD(VM): argument 1 must be a VM of the vms section (vm-a, vm-b, vm-c) (did you mean "vm-a"?), not "vm-d"`},
		{"write fences in a fan-out", "vms: {shape: fan-out, exporter-records: one-flag, write-fences: one-hop}\n",
			`w.yaml:2:65: vms: write-fences: vm-c's write fence travels up a re-export chain; a fan-out has none`},
		{"unknown write-fence propagation", "vms: {shape: re-export, re-export: hold-import, write-fences: one-hp}\n",
			`w.yaml:2:63: unknown write-fence propagation "one-hp" (did you mean "one-hop"?)`},
		{"valid", "vms: {shape: fan-out, exporter-records: per-importer}\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := "model: world\n" + tc.text
			if !strings.Contains(tc.text, "agents:") {
				text += prog
			}
			_, _, _, err := ParseFile(Builtin(), "w.yaml", []byte(text))
			if tc.want == "" || strings.HasPrefix(tc.want, "w.yaml:") {
				checkFileError(t, err, tc.want)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}
