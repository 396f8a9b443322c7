package conformance

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// modinfo returns the key=value pairs of a module's .modinfo section. A
// .ko.xz is decompressed with xz(1); there is no modules.dep, depmod
// never runs on these files.
func modinfo(path string) (map[string][]string, error) {
	var data []byte
	var err error
	if strings.HasSuffix(path, ".xz") {
		data, err = exec.Command("xz", "-dc", path).Output()
		if err != nil {
			return nil, fmt.Errorf("xz -dc %s: %w (install xz-utils)", path, err)
		}
	} else if data, err = os.ReadFile(path); err != nil {
		return nil, err
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sec := f.Section(".modinfo")
	if sec == nil {
		return nil, fmt.Errorf("%s: no .modinfo section", path)
	}
	raw, err := sec.Data()
	if err != nil {
		return nil, fmt.Errorf("%s: .modinfo: %w", path, err)
	}
	out := map[string][]string{}
	for _, kv := range bytes.Split(raw, []byte{0}) {
		if k, v, ok := strings.Cut(string(kv), "="); ok {
			out[k] = append(out[k], v)
		}
	}
	return out, nil
}

// moduleIndex maps module names (with '-' as '_') to their files under a
// lib/modules/<release>/kernel tree.
func moduleIndex(root string) (map[string]string, error) {
	idx := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := d.Name()
		for _, ext := range []string{".ko.xz", ".ko.zst", ".ko.gz", ".ko"} {
			if base, ok := strings.CutSuffix(name, ext); ok {
				idx[strings.ReplaceAll(base, "-", "_")] = p
				break
			}
		}
		return nil
	})
	return idx, err
}

// moduleClosure returns the files of the named modules and everything they
// depend on, dependencies first.
func moduleClosure(idx map[string]string, names ...string) ([]string, error) {
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(n string) error
	visit = func(n string) error {
		n = strings.ReplaceAll(n, "-", "_")
		switch state[n] {
		case 1:
			return fmt.Errorf("module dependency cycle at %s", n)
		case 2:
			return nil
		}
		path, ok := idx[n]
		if !ok {
			return fmt.Errorf("module %s not in the kernel package", n)
		}
		state[n] = 1
		info, err := modinfo(path)
		if err != nil {
			return err
		}
		for _, deps := range info["depends"] {
			for _, d := range strings.Split(deps, ",") {
				if d = strings.TrimSpace(d); d != "" {
					if err := visit(d); err != nil {
						return err
					}
				}
			}
		}
		state[n] = 2
		order = append(order, path)
		return nil
	}
	for _, n := range names {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return order, nil
}
