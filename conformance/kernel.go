// Package conformance checks the model's uAPI layer against a real Linux
// kernel: it boots Debian's kernel under QEMU with a static Go program
// (./guest) as /init, collects one JSON record per probed call (package
// wire) and replays the records through the models (package model for
// DMA_BUF_IOCTL_SYNC's errno and the buffer-level checks, package
// model/fence for fences, poll, sync_file and the reservation object),
// which predict each result. docs/conformance.md says what is checked and
// how to run it against another kernel.
//
// The kernel and its modules come from `go run ./conformance/prepare`,
// which downloads Debian's packages with apt-get, unpacks them with
// dpkg-deb (nothing is installed on the host) and builds sw_sync as an
// out-of-tree module, into a cache directory reused between runs.
package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DefaultRelease is the Debian kernel the suite is pinned to: the 6.12
// backport for bookworm, generic flavour (docs/kernel-rules.md §13:
// the smallest package with UDMABUF, DMABUF_HEAPS_SYSTEM, SYNC_FILE and
// DRM_VGEM).
const DefaultRelease = "6.12.117+deb12-amd64"

// Environment variables.
const (
	// EnvCache overrides the cache directory (default: the user's cache
	// directory, e.g. $HOME/.cache/dmabufcheck).
	EnvCache = "DMABUFCHECK_CACHE"
	// EnvKernelDir points the suite at a prepared kernel directory of any
	// build (see Kernel).
	EnvKernelDir = "DMABUFCHECK_KERNEL_DIR"
)

// Kernel is a prepared kernel directory:
//
//	vmlinuz         the kernel image (bzImage)
//	modules/        module files (.ko or .ko.xz), loaded by the guest
//	load.list       their file names in load order, one per line
//	manifest.json   Manifest
type Kernel struct {
	Dir      string
	Manifest Manifest
}

// Manifest records where a prepared kernel came from.
type Manifest struct {
	Release string `json:"release"`
	// Packages are the Debian packages used, name → version.
	Packages map[string]string `json:"packages,omitempty"`
	// Modules are the module file names in load order.
	Modules []string `json:"modules"`
	// SwSync says whether sw_sync.ko was built (the sw_sync scenarios
	// must then run).
	SwSync bool `json:"sw_sync"`
	// Vgem says whether vgem is among the modules.
	Vgem bool `json:"vgem"`
}

// CacheDir returns the cache directory.
func CacheDir() (string, error) {
	if d := os.Getenv(EnvCache); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (set %s): %w", EnvCache, err)
	}
	return filepath.Join(d, "dmabufcheck"), nil
}

// DefaultKernelDir is where prepare puts release.
func DefaultKernelDir(release string) (string, error) {
	c, err := CacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(c, "kernels", release), nil
}

// ErrNotPrepared says that no prepared kernel was found.
var ErrNotPrepared = errors.New("kernel not prepared")

// FindKernel returns the kernel named by $DMABUFCHECK_KERNEL_DIR, else
// the prepared DefaultRelease in the cache, else the release prepare fell
// back to (<cache>/kernels/current).
func FindKernel() (*Kernel, error) {
	if dir := os.Getenv(EnvKernelDir); dir != "" {
		return LoadKernel(dir)
	}
	d, err := DefaultKernelDir(DefaultRelease)
	if err != nil {
		return nil, err
	}
	k, err := LoadKernel(d)
	if err == nil {
		return k, nil
	}
	if b, err2 := os.ReadFile(filepath.Join(filepath.Dir(d), "current")); err2 == nil {
		if d2, err2 := DefaultKernelDir(strings.TrimSpace(string(b))); err2 == nil {
			if k, err2 := LoadKernel(d2); err2 == nil {
				return k, nil
			}
		}
	}
	return nil, err
}

// LoadKernel reads a prepared kernel directory.
func LoadKernel(dir string) (*Kernel, error) {
	k := &Kernel{Dir: dir}
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotPrepared, err)
	}
	if err := json.Unmarshal(b, &k.Manifest); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "manifest.json"), err)
	}
	if _, err := os.Stat(k.Image()); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotPrepared, err)
	}
	for _, m := range k.Manifest.Modules {
		if _, err := os.Stat(filepath.Join(dir, "modules", m)); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotPrepared, err)
		}
	}
	return k, nil
}

// Image is the kernel image's path.
func (k *Kernel) Image() string { return filepath.Join(k.Dir, "vmlinuz") }

// String names the kernel for reports.
func (k *Kernel) String() string {
	var pk []string
	for n, v := range k.Manifest.Packages {
		if strings.HasPrefix(n, "linux-image") {
			pk = append(pk, n+" "+v)
		}
	}
	s := k.Manifest.Release
	if len(pk) > 0 {
		s += " (" + strings.Join(pk, ", ") + ")"
	}
	return s
}

// writeManifest writes k's manifest into its directory.
func (k *Kernel) writeManifest() error {
	b, err := json.MarshalIndent(k.Manifest, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(k.Dir, "load.list"), []byte(strings.Join(k.Manifest.Modules, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(k.Dir, "manifest.json"), append(b, '\n'), 0o644)
}
