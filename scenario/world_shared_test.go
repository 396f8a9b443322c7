package scenario

import (
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
)

// TestSharedObjectFieldErrors: a device's fence and the dma-buf's resv
// lock (docs/world.md, "Shared objects") are checked where they are
// written, with the nearest name.
func TestSharedObjectFieldErrors(t *testing.T) {
	head := "model: world\nexporter: system-heap\n"
	locks := "locks:\n  locks:\n    - {name: bo, kind: resv, dma-buf: true}\n  fences:\n    - {name: job, resv: bo, usage: DMA_RESV_USAGE_WRITE}\n"
	agents := "agents:\n  - name: drv\n    program:\n      - dma_buf_attach(gpu)\n      - dma_resv_lock(bo, NULL)\n      - dma_resv_add_fence(bo, job, DMA_RESV_USAGE_WRITE)\n      - dma_resv_unlock(bo)\n"
	for _, tc := range []struct{ name, text, want string }{
		{"valid", head + "devices: [{name: gpu, fence: job}]\n" + locks + agents, ""},
		{"unknown fence", head + "devices: [{name: gpu, fence: jbo}]\n" + locks + agents,
			`w.yaml:3:30: device gpu: "jbo" is not a ring (fence: rings) or a fence (locks: fences) (did you mean "job"?)`},
		{"no fence at all", head + "devices: [{name: gpu, fence: job}]\nagents:\n  - name: drv\n    program: [dma_buf_attach(gpu)]\n",
			`w.yaml:3:30: device gpu: "job" is not a ring (fence: rings) or a fence (locks: fences) (the world declares no ring or lock-family fence)`},
		{"dma-buf on a mutex", head + "devices: [gpu]\nlocks:\n  locks:\n    - {name: m, kind: mutex, dma-buf: true}\nagents:\n  - name: drv\n    program: [dma_buf_attach(gpu), mutex_lock(m), mutex_unlock(m)]\n",
			`w.yaml:6:39: lock m: only a resv lock is the dma-buf's reservation`},
		{"two dma-buf locks", head + "devices: [gpu]\nlocks:\n  locks:\n    - {name: a, kind: resv, dma-buf: true}\n    - {name: b, kind: resv, dma-buf: true}\nagents:\n  - name: drv\n    program:\n      - dma_buf_attach(gpu)\n      - dma_resv_lock(a, NULL)\n      - dma_resv_unlock(a)\n",
			`w.yaml:7:38: lock b: the world has one dma-buf, whose resv lock is already declared`},
		{"dma-buf false", head + "devices: [gpu]\nlocks:\n  locks:\n    - {name: a, kind: resv, dma-buf: false}\nagents:\n  - name: drv\n    program:\n      - dma_buf_attach(gpu)\n      - dma_resv_lock(a, NULL)\n      - dma_resv_unlock(a)\n",
			`w.yaml:6:38: lock a: dma-buf: false is the default`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := ParseFile(Builtin(), "w.yaml", []byte(tc.text))
			checkFileError(t, err, tc.want)
		})
	}
}

// TestWorldFilesRoundTripTheSharedObjects: a world whose families share
// objects (a device tied to a lock-family fence in the dma-buf's resv, or
// to a ring), written as a world file and read back, is the same world.
func TestWorldFilesRoundTripTheSharedObjects(t *testing.T) {
	for _, fence := range []string{"job", "gpu"} {
		t.Run(fence, func(t *testing.T) {
			spec := world.Spec{Name: "shared-" + fence, Arch: world.ARM64, Lines: 1, Writes: 1,
				Devices:  []world.Device{{Name: "gpu", Fence: fence}},
				Exporter: world.Exporter{Name: "mydrv", Map: world.Hook{{Kind: world.OpDMAMap}}, Begin: world.Hook{{Kind: world.OpWaitFences}, {Kind: world.OpSyncMapped}}},
				Locks:    world.LockSpec{Locks: []world.LockObj{{Name: "bo", Kind: world.ResvLock, DmaBuf: true}}},
				Agents:   []world.Agent{{Name: "drv"}, {Name: "app"}},
			}
			add := "dma_resv_add_fence(bo, job, DMA_RESV_USAGE_WRITE)"
			if fence == "job" {
				spec.Locks.Fences = []world.LockFence{{Name: "job", Resv: 0, Usage: world.ResvUsageWrite, Lock: -1}}
			} else {
				spec.Fence.Rings = []world.Ring{{Name: "gpu", Jobs: 1}}
				add = "job_submit(gpu, WRITE, IMPLICIT, USAGE)"
			}
			parse := func(texts ...string) world.Seq {
				var seq world.Seq
				for _, text := range texts {
					c, err := world.ParseCall(text, &spec)
					if err != nil {
						t.Fatalf("%s: %v", text, err)
					}
					seq = append(seq, c)
				}
				return seq
			}
			spec.Agents[0].Program = parse("dma_buf_attach(gpu)", "dma_buf_map_attachment(gpu, DMA_FROM_DEVICE)", "dma_resv_lock(bo, NULL)",
				add, "dma_resv_unlock(bo)", "device_dma_write(gpu, 0)", "device_job_done(gpu)")
			spec.Agents[1].Program = parse("DMA_BUF_IOCTL_SYNC(START, READ)", "cpu_read(0)", "DMA_BUF_IOCTL_SYNC(END, READ)")
			text, err := WorldYAML(spec, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"fence: " + fence, "dma-buf: true"} {
				if !strings.Contains(string(text), want) {
					t.Errorf("the written file lacks %q:\n%s", want, text)
				}
			}
			roundTrip(t, spec, "")
		})
	}
}
