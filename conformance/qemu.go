package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/dmabufcheck/dmabufcheck/conformance/wire"
)

// EnvAccel selects QEMU's accelerator (default tcg). KVM does not boot
// this kernel nested on the project's machines (docs/kernel-rules.md §13),
// so it is opt-in.
const EnvAccel = "DMABUFCHECK_QEMU_ACCEL"

// BootOptions configures one boot.
type BootOptions struct {
	// WorkDir receives the guest binary, the initramfs and the serial
	// logs (required).
	WorkDir string
	// Run is a regular expression selecting scenarios by name (default all).
	Run string
	// Timeout bounds the whole boot (default 150 s).
	Timeout time.Duration
}

// Result is what one boot produced.
type Result struct {
	Records []wire.Record
	// Done says the guest finished (it printed wire.Done).
	Done bool
	// Console is the first serial port (kernel log and guest progress).
	Console string
	// Elapsed is QEMU's wall time.
	Elapsed time.Duration
	// Command is the QEMU command line.
	Command []string
}

// QEMU returns the path of qemu-system-x86_64, or an error saying what to
// install.
func QEMU() (string, error) {
	p, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		return "", fmt.Errorf("qemu-system-x86_64 not found: install Debian's qemu-system-x86 (apt-get install --no-install-recommends qemu-system-x86)")
	}
	return p, nil
}

// BuildGuest builds ./guest as a static linux/amd64 binary.
func BuildGuest(ctx context.Context, out string) error {
	// The go on PATH: go test puts its own GOROOT/bin first on the PATH
	// of the tests, so they build the guest with the same toolchain.
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out,
		"github.com/dmabufcheck/dmabufcheck/conformance/guest")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the guest: %w\n%s", err, b)
	}
	return nil
}

// Initramfs packs the guest as /init with k's modules and their load
// order into a newc cpio at path.
func Initramfs(path, guest string, k *Kernel) error {
	init, err := os.ReadFile(guest)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	c := newCpio(f)
	for _, d := range []string{"dev", "proc", "sys", "tmp", "lib", "lib/modules"} {
		c.Dir(d)
	}
	c.CharDev("dev/console", 0o600, 5, 1) // needed before devtmpfs is mounted
	c.File("init", 0o755, init)
	for _, m := range k.Manifest.Modules {
		b, err := os.ReadFile(filepath.Join(k.Dir, "modules", m))
		if err != nil {
			return err
		}
		c.File("lib/modules/"+m, 0o644, b)
	}
	c.File("lib/modules/load.list", 0o644, []byte(strings.Join(k.Manifest.Modules, "\n")+"\n"))
	if err := c.Close(); err != nil {
		return err
	}
	return f.Close()
}

// Boot builds the guest, packs the initramfs, boots k under QEMU and
// collects the records from the second serial port.
func Boot(ctx context.Context, k *Kernel, o BootOptions) (*Result, error) {
	qemu, err := QEMU()
	if err != nil {
		return nil, err
	}
	if o.Timeout == 0 {
		o.Timeout = 150 * time.Second
	}
	guest := filepath.Join(o.WorkDir, "init")
	if err := BuildGuest(ctx, guest); err != nil {
		return nil, err
	}
	initrd := filepath.Join(o.WorkDir, "initramfs.cpio")
	if err := Initramfs(initrd, guest, k); err != nil {
		return nil, err
	}
	console := filepath.Join(o.WorkDir, "console.log")
	records := filepath.Join(o.WorkDir, "records.log")
	accel := os.Getenv(EnvAccel)
	if accel == "" {
		accel = "tcg"
	}
	appendArgs := "console=ttyS0 panic=-1 loglevel=5 rdinit=/init edd=off"
	if o.Run != "" {
		appendArgs += " dmabufcheck.run=" + o.Run
	}
	args := []string{
		"-nodefaults", "-no-user-config", "-no-reboot", "-display", "none", "-monitor", "none",
		"-accel", accel, "-cpu", "max", "-m", "512", "-smp", "1",
		"-kernel", k.Image(), "-initrd", initrd, "-append", appendArgs,
		"-serial", "file:" + console, "-serial", "file:" + records,
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, qemu, args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	start := time.Now()
	runErr := cmd.Run()
	res := &Result{Elapsed: time.Since(start), Command: append([]string{qemu}, args...)}
	if b, err := os.ReadFile(console); err == nil {
		res.Console = string(b)
	}
	if ctx.Err() != nil {
		runErr = fmt.Errorf("QEMU did not finish within %v", o.Timeout)
	}
	if err := res.parse(records); err != nil {
		return res, err
	}
	if runErr != nil {
		return res, fmt.Errorf("qemu: %w\n%s", runErr, stderr.String())
	}
	return res, nil
}

// parse reads the record lines of the second serial port.
func (r *Result) parse(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := strings.TrimRight(sc.Text(), "\r")
		if l == wire.Done {
			r.Done = true
			continue
		}
		j, ok := strings.CutPrefix(l, wire.Prefix)
		if !ok {
			continue
		}
		var rec wire.Record
		if err := json.Unmarshal([]byte(j), &rec); err != nil {
			return fmt.Errorf("%s: bad record %q: %w", path, l, err)
		}
		r.Records = append(r.Records, rec)
	}
	return sc.Err()
}
