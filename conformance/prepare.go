package conformance

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// PrepareOptions says what Prepare fetches and builds.
type PrepareOptions struct {
	// Release is the kernel release (default DefaultRelease); the image
	// package is linux-image-<Release>.
	Release string
	// Dir is the kernel directory to fill (default DefaultKernelDir).
	Dir string
	// NoSwSync skips the sw_sync module (no headers or source download,
	// no compiler needed); the sw_sync scenarios then do not run.
	NoSwSync bool
	// KeepDebs keeps the downloaded .deb files in <cache>/debs.
	KeepDebs bool
	// Force rebuilds an already prepared directory.
	Force bool
	// Fallback is a meta package (e.g. linux-image-6.12-amd64) whose
	// kernel is prepared instead when Release's image can no longer be
	// downloaded (Debian drops old ABIs from its archive). The release
	// prepared is then recorded in <cache>/kernels/current, where
	// FindKernel looks after the pinned one.
	Fallback string
	// Log receives progress lines (default: discarded).
	Log io.Writer
}

// Modules the guest loads (with their dependencies, resolved from the
// package's .modinfo sections).
var guestModules = []string{"vgem"}

// Prepare downloads Debian's kernel packages with `apt-get download`,
// unpacks them with `dpkg-deb -x` (nothing is installed), copies the
// kernel image and the modules the guest needs, and builds sw_sync.ko
// against the same version's headers from the kernel's own sources. It
// returns the prepared kernel; an already prepared directory is reused.
func Prepare(o PrepareOptions) (*Kernel, error) {
	if o.Release == "" {
		o.Release = DefaultRelease
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Dir == "" {
		d, err := DefaultKernelDir(o.Release)
		if err != nil {
			return nil, err
		}
		o.Dir = d
	}
	if k, err := LoadKernel(o.Dir); err == nil && !o.Force && (k.Manifest.SwSync || o.NoSwSync) {
		fmt.Fprintf(o.Log, "prepare: %s already prepared in %s\n", o.Release, o.Dir)
		return k, nil
	}
	tools := []string{"apt-get", "dpkg-deb", "xz"}
	if !o.NoSwSync {
		tools = append(tools, "make", "gcc-12", "strip")
	}
	for _, t := range tools {
		if _, err := exec.LookPath(t); err != nil {
			return nil, fmt.Errorf("prepare needs %s in PATH (Debian: apt-get install --no-install-recommends apt dpkg xz-utils make gcc-12 binutils)", t)
		}
	}
	cache, err := CacheDir()
	if err != nil {
		return nil, err
	}
	debs := filepath.Join(cache, "debs")
	work, err := os.MkdirTemp(cache, "work-")
	if err != nil {
		if err = os.MkdirAll(cache, 0o755); err == nil {
			work, err = os.MkdirTemp(cache, "work-")
		}
		if err != nil {
			return nil, err
		}
	}
	defer os.RemoveAll(work)
	if err := os.MkdirAll(debs, 0o755); err != nil {
		return nil, err
	}
	if !o.KeepDebs {
		defer os.RemoveAll(debs)
	}

	p := &preparer{o: o, debs: debs, work: work, pkgs: map[string]string{}}
	image, err := p.download("linux-image-" + o.Release)
	if err != nil && o.Fallback != "" {
		rel, ferr := resolveMeta(o.Fallback)
		if ferr != nil {
			return nil, fmt.Errorf("%w\nfallback %s: %v", err, o.Fallback, ferr)
		}
		fmt.Fprintf(o.Log, "prepare: %s cannot be downloaded; falling back to %s (%s)\n", o.Release, rel, o.Fallback)
		o.Fallback = ""
		o.Release, o.Dir = rel, ""
		k, err := Prepare(o)
		if err != nil {
			return nil, err
		}
		return k, os.WriteFile(filepath.Join(filepath.Dir(k.Dir), "current"), []byte(rel+"\n"), 0o644)
	}
	if err != nil {
		return nil, err
	}
	version := p.pkgs["linux-image-"+o.Release]

	tmp := filepath.Join(work, "kernel")
	if err := os.RemoveAll(o.Dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(tmp, "modules"), 0o755); err != nil {
		return nil, err
	}
	k := &Kernel{Dir: tmp, Manifest: Manifest{Release: o.Release, Packages: p.pkgs}}
	img := filepath.Join(work, "image")
	if err := p.run("", "dpkg-deb", "-x", image, img); err != nil {
		return nil, err
	}
	if err := copyFile(filepath.Join(img, "boot", "vmlinuz-"+o.Release), k.Image()); err != nil {
		return nil, err
	}
	copyFile(filepath.Join(img, "boot", "config-"+o.Release), filepath.Join(tmp, "config"))
	idx, err := moduleIndex(filepath.Join(img, "lib", "modules", o.Release, "kernel"))
	if err != nil {
		return nil, err
	}
	mods, err := moduleClosure(idx, guestModules...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", image, err)
	}
	for _, m := range mods {
		if err := copyFile(m, filepath.Join(tmp, "modules", filepath.Base(m))); err != nil {
			return nil, err
		}
		k.Manifest.Modules = append(k.Manifest.Modules, filepath.Base(m))
		k.Manifest.Vgem = k.Manifest.Vgem || strings.HasPrefix(filepath.Base(m), "vgem.")
	}
	os.RemoveAll(img)

	if !o.NoSwSync {
		ko, err := p.buildSwSync(version)
		if err != nil {
			return nil, fmt.Errorf("sw_sync: %w", err)
		}
		if err := copyFile(ko, filepath.Join(tmp, "modules", "sw_sync.ko")); err != nil {
			return nil, err
		}
		k.Manifest.Modules = append(k.Manifest.Modules, "sw_sync.ko")
		k.Manifest.SwSync = true
	}
	if err := k.writeManifest(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(o.Dir), 0o755); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, o.Dir); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Log, "prepare: %s ready in %s\n", o.Release, o.Dir)
	return LoadKernel(o.Dir)
}

type preparer struct {
	o          PrepareOptions
	debs, work string
	pkgs       map[string]string
}

func (p *preparer) run(dir, name string, args ...string) error {
	fmt.Fprintf(p.o.Log, "prepare: %s %s\n", name, strings.Join(args, " "))
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, tail(out.String(), 3000))
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// download fetches pkg (name or name=version) into the debs directory
// unless a .deb of it is there already, and returns its path.
func (p *preparer) download(pkg string) (string, error) {
	name, version, _ := strings.Cut(pkg, "=")
	find := func() string {
		pat := name + "_*.deb"
		if version != "" {
			pat = name + "_" + strings.ReplaceAll(version, ":", "%3a") + "_*.deb"
		}
		m, _ := filepath.Glob(filepath.Join(p.debs, pat))
		if len(m) == 1 {
			return m[0]
		}
		return ""
	}
	deb := find()
	if deb == "" {
		if err := p.run(p.debs, "apt-get", "download", pkg); err != nil {
			return "", fmt.Errorf("%w\n(is the Debian archive that has %s in the apt sources, and `apt-get update` done?)", err, name)
		}
		if deb = find(); deb == "" {
			return "", fmt.Errorf("apt-get download %s: no single %s_*.deb in %s", pkg, name, p.debs)
		}
	}
	v, err := exec.Command("dpkg-deb", "-f", deb, "Version").Output()
	if err != nil {
		return "", fmt.Errorf("dpkg-deb -f %s Version: %w", deb, err)
	}
	p.pkgs[name] = strings.TrimSpace(string(v))
	return deb, nil
}

// swSyncFiles are the kernel's own sw_sync sources (drivers/dma-buf).
var swSyncFiles = []string{"sw_sync.c", "sync_debug.c", "sync_debug.h", "sync_trace.h"}

// buildSwSync builds drivers/dma-buf/sw_sync.c and sync_debug.c, taken
// from Debian's linux-source package of the kernel's version, as an
// out-of-tree module against the same version's linux-headers (Debian
// kernels do not enable CONFIG_SW_SYNC). Three small patches make them
// build out of tree: the trace header is found in the module's directory,
// sync_file_get_name (not exported) is replaced by a constant in the
// debugfs text, and the module gets a license tag. The ioctls are
// untouched.
func (p *preparer) buildSwSync(version string) (string, error) {
	rel := p.o.Release
	hdrDeb, err := p.download("linux-headers-" + rel + "=" + version)
	if err != nil {
		return "", err
	}
	deps, err := exec.Command("dpkg-deb", "-f", hdrDeb, "Depends").Output()
	if err != nil {
		return "", fmt.Errorf("dpkg-deb -f %s Depends: %w", hdrDeb, err)
	}
	sysroot := filepath.Join(p.work, "sysroot")
	if err := p.run("", "dpkg-deb", "-x", hdrDeb, sysroot); err != nil {
		return "", err
	}
	// The flavour's headers depend on the common headers and kbuild
	// packages of the same version.
	for _, dep := range strings.Split(string(deps), ",") {
		name := strings.Fields(strings.TrimSpace(dep))
		if len(name) == 0 || !(strings.HasPrefix(name[0], "linux-headers-") || strings.HasPrefix(name[0], "linux-kbuild-")) {
			continue
		}
		deb, err := p.download(name[0] + "=" + version)
		if err != nil {
			return "", err
		}
		if err := p.run("", "dpkg-deb", "-x", deb, sysroot); err != nil {
			return "", err
		}
	}
	hdr := filepath.Join(sysroot, "usr", "src", "linux-headers-"+rel)
	mk := filepath.Join(hdr, "Makefile")
	b, err := os.ReadFile(mk)
	if err != nil {
		return "", err
	}
	// "include /usr/src/linux-headers-…-common/Makefile" → the sysroot.
	b = regexp.MustCompile(`(?m)^include /usr/src/`).ReplaceAll(b, []byte("include "+filepath.Join(sysroot, "usr", "src")+"/"))
	if err := os.WriteFile(mk, b, 0o644); err != nil {
		return "", err
	}

	mm := regexp.MustCompile(`^(\d+\.\d+)\.`).FindStringSubmatch(rel)
	if mm == nil {
		return "", fmt.Errorf("cannot tell the source package of release %q", rel)
	}
	srcPkg := "linux-source-" + mm[1]
	srcDeb, err := p.download(srcPkg + "=" + version)
	if err != nil {
		return "", err
	}
	src := filepath.Join(p.work, "source")
	if err := p.run("", "dpkg-deb", "-x", srcDeb, src); err != nil {
		return "", err
	}
	tarball := filepath.Join(src, "usr", "src", srcPkg+".tar.xz")
	top := srcPkg
	var members []string
	for _, f := range swSyncFiles {
		members = append(members, top+"/drivers/dma-buf/"+f)
	}
	build := filepath.Join(p.work, "sw_sync")
	if err := os.MkdirAll(build, 0o755); err != nil {
		return "", err
	}
	if err := p.run(build, "tar", append([]string{"-xJf", tarball, "--strip-components=3"}, members...)...); err != nil {
		return "", err
	}
	os.RemoveAll(src)
	if err := patchSwSync(build); err != nil {
		return "", err
	}
	if err := p.run(build, "make", "-C", hdr, "M="+build, "CONFIG_DEBUG_INFO_BTF_MODULES=", "modules"); err != nil {
		return "", err
	}
	ko := filepath.Join(build, "sw_sync.ko")
	if err := p.run(build, "strip", "--strip-debug", ko); err != nil {
		return "", err
	}
	return ko, nil
}

// patchSwSync applies the out-of-tree patches in dir.
func patchSwSync(dir string) error {
	edit := func(name string, f func(string) (string, error)) error {
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		s, err := f(string(b))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return os.WriteFile(path, []byte(s), 0o644)
	}
	replace := func(s, old, new string) (string, error) {
		if !strings.Contains(s, old) {
			return "", fmt.Errorf("patch: %q not found (the sources changed; adapt patchSwSync)", old)
		}
		return strings.Replace(s, old, new, 1), nil
	}
	if err := edit("sync_trace.h", func(s string) (string, error) {
		return regexp.MustCompile(`(?m)^#define TRACE_INCLUDE_PATH .*$`).ReplaceAllString(s, "#define TRACE_INCLUDE_PATH ."), nil
	}); err != nil {
		return err
	}
	if err := edit("sync_debug.c", func(s string) (string, error) {
		s, err := replace(s, "sync_file_get_name(sync_file, buf, sizeof(buf))", `"sync_file"`)
		if err != nil {
			return "", err
		}
		return "#include <linux/module.h>\n" + s +
			"\nMODULE_LICENSE(\"GPL\");\nMODULE_DESCRIPTION(\"sw_sync, built out of tree for the dmabufcheck conformance suite\");\n", nil
	}); err != nil {
		return err
	}
	// sw_sync.o is the module; its C file needs another name.
	if err := os.Rename(filepath.Join(dir, "sw_sync.c"), filepath.Join(dir, "sw_sync_main.c")); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "Kbuild"), []byte("obj-m := sw_sync.o\nsw_sync-y := sw_sync_main.o sync_debug.o\nccflags-y := -I$(src) -Wno-unused-variable\n"), 0o644)
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// resolveMeta returns the kernel release a Debian meta package (such as
// linux-image-6.12-amd64) depends on.
func resolveMeta(meta string) (string, error) {
	out, err := exec.Command("apt-cache", "depends", "--no-recommends", "--no-suggests", meta).Output()
	if err != nil {
		return "", fmt.Errorf("apt-cache depends %s: %w", meta, err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if dep, ok := strings.CutPrefix(strings.TrimSpace(l), "Depends: linux-image-"); ok && !strings.HasPrefix(dep, "<") {
			return strings.TrimSpace(dep), nil
		}
	}
	return "", fmt.Errorf("%s depends on no linux-image package", meta)
}
