// Command guest is the conformance suite's /init: a static program
// (GOOS=linux CGO_ENABLED=0) booted by the conformance test in an
// initramfs under QEMU. It mounts the pseudo file systems, loads the
// modules listed in /lib/modules/load.list, runs the scenarios of
// scenarios.go against udmabuf, the system dma-heap, vgem and sw_sync, and
// writes one JSON record per call (package wire) to /dev/ttyS1. Then it
// powers the machine off.
//
// It predicts nothing: it only calls and observes. The host compares each
// record with what the model says (package conformance).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dmabufcheck/dmabufcheck/conformance/wire"
)

// console is the first serial port (the kernel's console): progress for
// humans. The records go to the second one, where no kernel log is mixed in.
var console = os.Stdout

func main() {
	if os.Getpid() != 1 {
		fmt.Fprintln(os.Stderr, "guest: this is the conformance suite's /init; it runs as PID 1 under QEMU (go test ./conformance)")
		os.Exit(2)
	}
	debug.SetGCPercent(400)
	defer powerOff()
	if err := mountAll(); err != nil {
		fmt.Fprintln(console, "guest: mount:", err)
		return
	}
	out, err := os.OpenFile("/dev/ttyS1", os.O_WRONLY|unix.O_NOCTTY, 0)
	if err != nil {
		fmt.Fprintln(console, "guest: /dev/ttyS1:", err)
		return
	}
	rec := &recorder{w: bufio.NewWriterSize(out, 1<<16)}
	env := rec.newRecord("env", wire.OpEnv, "")
	env.Str = map[string]string{}
	var uts unix.Utsname
	if unix.Uname(&uts) == nil {
		env.Str["release"] = unix.ByteSliceToString(uts.Release[:])
	}
	for name, errno := range loadModules() {
		env.Str["module:"+name] = errnoName(errno)
	}
	for feat, path := range features {
		if _, err := os.Stat(path); err == nil {
			env.Str["feature:"+feat] = "yes"
		} else {
			env.Str["feature:"+feat] = "no"
		}
	}
	rec.emit(env)

	filter := regexp.MustCompile("")
	if cmdline, err := os.ReadFile("/proc/cmdline"); err == nil {
		for _, f := range strings.Fields(string(cmdline)) {
			if v, ok := strings.CutPrefix(f, "dmabufcheck.run="); ok {
				filter = regexp.MustCompile(v)
			}
		}
	}
	start := time.Now()
	for _, sc := range scenarios() {
		if !filter.MatchString(sc.name) {
			continue
		}
		runScenario(rec, sc)
	}
	fmt.Fprintf(console, "guest: %d records in %.2fs\n", rec.seq, time.Since(start).Seconds())
	rec.w.Flush()
	fmt.Fprintln(out, wire.Done)
	out.Sync()
	fmt.Fprintln(console, wire.Done)
}

// features maps what a scenario may need to the path that shows it.
var features = map[string]string{
	"udmabuf": "/dev/udmabuf",
	"heap":    "/dev/dma_heap/system",
	"vgem":    "/dev/dri/card0",
	"sw_sync": "/sys/kernel/debug/sync/sw_sync",
	"bufinfo": "/sys/kernel/debug/dma_buf/bufinfo",
}

func have(feat string) bool {
	_, err := os.Stat(features[feat])
	return err == nil
}

func mountAll() error {
	for _, m := range []struct{ src, dir, fs string }{
		{"devtmpfs", "/dev", "devtmpfs"},
		{"proc", "/proc", "proc"},
		{"sysfs", "/sys", "sysfs"},
		{"debugfs", "/sys/kernel/debug", "debugfs"},
		{"tmpfs", "/tmp", "tmpfs"},
	} {
		if err := os.MkdirAll(m.dir, 0o755); err != nil {
			return err
		}
		if err := unix.Mount(m.src, m.dir, m.fs, 0, ""); err != nil && err != unix.EBUSY {
			return fmt.Errorf("%s on %s: %w", m.fs, m.dir, err)
		}
	}
	return nil
}

// loadModules loads /lib/modules/load.list in order (dependencies first)
// with finit_module; the kernel decompresses .ko.xz itself.
func loadModules() map[string]int {
	res := map[string]int{}
	list, err := os.ReadFile("/lib/modules/load.list")
	if err != nil {
		return res
	}
	for _, name := range strings.Fields(string(list)) {
		f, err := os.Open("/lib/modules/" + name)
		if err != nil {
			res[name] = int(unix.ENOENT)
			continue
		}
		flags := 0
		if strings.HasSuffix(name, ".xz") {
			flags = unix.MODULE_INIT_COMPRESSED_FILE
		}
		err = unix.FinitModule(int(f.Fd()), "", flags)
		f.Close()
		res[name] = errnoOf(err)
		if err != nil {
			fmt.Fprintf(console, "guest: finit_module(%s): %v\n", name, err)
		}
	}
	return res
}

func powerOff() {
	if r := recover(); r != nil {
		fmt.Fprintf(console, "guest: panic: %v\n%s\n", r, debug.Stack())
	}
	unix.Sync()
	unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	// Not reached. If it were, init exiting panics the kernel, and with
	// panic=-1 and -no-reboot that ends QEMU too.
	os.Exit(1)
}

// recorder numbers and writes the records.
type recorder struct {
	w   *bufio.Writer
	seq int
}

func (r *recorder) newRecord(scn, op, obj string) *wire.Record {
	return &wire.Record{Scn: scn, Op: op, Obj: obj}
}

func (r *recorder) emit(rec *wire.Record) {
	r.seq++
	rec.Seq = r.seq
	b, err := json.Marshal(rec)
	if err != nil {
		panic(err)
	}
	r.w.WriteString(wire.Prefix)
	r.w.Write(b)
	r.w.WriteByte('\n')
}

func errnoOf(err error) int {
	if err == nil {
		return 0
	}
	if e, ok := err.(unix.Errno); ok {
		return int(e)
	}
	if pe, ok := err.(*os.PathError); ok {
		return errnoOf(pe.Err)
	}
	return -1
}

func errnoName(e int) string {
	if e == 0 {
		return "OK"
	}
	return unix.ErrnoName(unix.Errno(e))
}
