package world

import (
	"fmt"
	"github.com/dmabufcheck/dmabufcheck/internal/suggest"
	"slices"
	"strconv"
	"strings"
)

// The textual form of calls, as scenario files write them: the kernel's
// name and its arguments, e.g. dma_buf_map_attachment(isp, DMA_TO_DEVICE)
// or DMA_BUF_IOCTL_SYNC(START, READ). ParseCall turns such a text into a
// Call of the world being declared.

// argKind is the kind of one argument of a call's textual form.
type argKind uint8

const (
	argDev     argKind = iota // a device, by name
	argLine                   // a cache line, 0..lines-1 (may be left out on a one-line buffer)
	argSyncDir                // READ, WRITE or RW
	argDMADir                 // DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL
)

var argKindNames = [...]string{"a device", "a cache line", "READ, WRITE or RW", "DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL"}

// syntax is the textual form of one call kind.
type syntax struct {
	name string
	kind CallKind
	args []argKind
	// lead is a fixed first argument (START or END for DMA_BUF_IOCTL_SYNC).
	lead string
	// help says what the call is, for "check calls" and error messages.
	help string
}

// syntaxes lists every call a scenario file can write, in documentation
// order.
var syntaxes = []syntax{
	{name: "DMA_BUF_IOCTL_SYNC", lead: "START", kind: KSyncStart, args: []argKind{argSyncDir}, help: "user space begins CPU access: the exporter's begin_cpu_access hook, then the wait for the implicit fences (two steps)"},
	{name: "DMA_BUF_IOCTL_SYNC", lead: "END", kind: KSyncEnd, args: []argKind{argSyncDir}, help: "user space ends CPU access: the exporter's end_cpu_access hook"},
	{name: "dma_buf_begin_cpu_access", kind: KBeginCPU, args: []argKind{argDMADir}, help: "a kernel user begins CPU access (two steps, as the ioctl)"},
	{name: "dma_buf_end_cpu_access", kind: KEndCPU, args: []argKind{argDMADir}, help: "a kernel user ends CPU access"},
	{name: "cpu_read", kind: KCPURead, args: []argKind{argLine}, help: "a load through the mmap or vmap"},
	{name: "cpu_write", kind: KCPUWrite, args: []argKind{argLine}, help: "a store through the mmap or vmap"},
	{name: "cache_prefetch", kind: KPrefetch, args: []argKind{argLine}, help: "the CPU cache fills an invalid line speculatively"},
	{name: "cache_writeback", kind: KWriteback, args: []argKind{argLine}, help: "the CPU cache writes a dirty line back"},
	{name: "cache_evict", kind: KEvict, args: []argKind{argLine}, help: "the CPU cache drops a clean line"},
	{name: "dma_buf_attach", kind: KAttach, args: []argKind{argDev}, help: "the importer attaches its device (dma_buf_dynamic_attach for a dynamic importer)"},
	{name: "dma_buf_detach", kind: KDetach, args: []argKind{argDev}},
	{name: "dma_buf_map_attachment", kind: KMap, args: []argKind{argDev, argDMADir}},
	{name: "dma_buf_unmap_attachment", kind: KUnmap, args: []argKind{argDev}},
	{name: "dma_buf_pin", kind: KPin, args: []argKind{argDev}},
	{name: "dma_buf_unpin", kind: KUnpin, args: []argKind{argDev}},
	{name: "device_dma_read", kind: KJobRead, args: []argKind{argDev, argLine}, help: "the device's DMA job starts and reads the line (through its own cache or bounce buffer if it has one)"},
	{name: "device_dma_write", kind: KJobWrite, args: []argKind{argDev, argLine}, help: "the device's DMA write job starts; the write lands when it completes"},
	{name: "device_job_done", kind: KJobDone, args: []argKind{argDev}, help: "the device's job completes and its fence signals (dma_fence_signal)"},
	{name: "dma_sync_sgtable_for_cpu", kind: KSyncForCPU, args: []argKind{argDev}},
	{name: "dma_sync_sgtable_for_device", kind: KSyncForDevice, args: []argKind{argDev}},
	{name: "device_cache_writeback", kind: KDevWriteback, args: []argKind{argDev, argLine}},
	{name: "device_cache_evict", kind: KDevEvict, args: []argKind{argDev, argLine}},
	{name: "dma_buf_move_notify", kind: KMoveNotify, help: "the dynamic exporter moves the buffer"},
	{name: "dma_buf_put", kind: KRelease, help: "the last reference goes: dma_buf_release"},
}

// CallNames returns every call name a scenario file can use, sorted and
// without duplicates.
func CallNames() []string {
	var out []string
	for _, s := range syntaxes {
		if !slices.Contains(out, s.name) {
			out = append(out, s.name)
		}
	}
	slices.Sort(out)
	return out
}

// CallSyntax returns the forms of every call, e.g.
// "dma_buf_map_attachment(DEVICE, DMA_DIR)", with their help, for
// documentation and "did you mean" messages.
func CallSyntax() []string {
	var out []string
	for _, s := range syntaxes {
		out = append(out, s.form())
	}
	return out
}

func (s syntax) form() string {
	var args []string
	if s.lead != "" {
		args = append(args, s.lead)
	}
	for _, a := range s.args {
		args = append(args, [...]string{"DEVICE", "LINE", "READ|WRITE|RW", "DMA_DIR"}[a])
	}
	return s.name + "(" + strings.Join(args, ", ") + ")"
}

// SyntaxError is an error at a byte offset of the parsed text.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return e.Msg }

// ParseCall parses the textual form of a call against the objects of s
// (devices by name, lines by number). Errors are *SyntaxError with the
// offset of the offending argument.
func ParseCall(text string, s *Spec) (Call, error) {
	name, args, offs, err := splitCall(text)
	if err != nil {
		return Call{}, err
	}
	var cands []syntax
	for _, sx := range syntaxes {
		if sx.name == name {
			cands = append(cands, sx)
		}
	}
	if len(cands) == 0 {
		msg := fmt.Sprintf("unknown call %q", name)
		if near := suggest.Nearest(name, CallNames()); near != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", near)
		}
		return Call{}, &SyntaxError{Offset: 0, Msg: msg}
	}
	sx := cands[0]
	if cands[0].lead != "" {
		var leads []string
		found := false
		for _, c := range cands {
			leads = append(leads, c.lead)
			if len(args) > 0 && args[0] == c.lead {
				sx, found = c, true
			}
		}
		if !found {
			if name == "DMA_BUF_IOCTL_SYNC" && len(args) >= 1 {
				if c, ok := invalidSync(args); ok {
					return c, nil
				}
			}
			at := 0
			if len(offs) > 0 {
				at = offs[0]
			}
			return Call{}, &SyntaxError{Offset: at, Msg: fmt.Sprintf("%s: the first argument must be %s", name, strings.Join(leads, " or "))}
		}
		args, offs = args[1:], offs[1:]
	}
	want := sx.args
	if len(args) == len(want)-1 && len(want) > 0 && want[len(want)-1] == argLine && s.Lines == 1 {
		args = append(args, "0") // a one-line buffer: the line goes without saying
		offs = append(offs, len(text))
	}
	if sx.kind == KSyncStart && len(args) == 0 {
		return SyncInvalid(0), nil // START without READ or WRITE: -EINVAL
	}
	if len(args) != len(want) {
		return Call{}, &SyntaxError{Offset: 0, Msg: fmt.Sprintf("%s takes %d argument(s): %s", name, len(want), sx.form())}
	}
	c := Call{Kind: sx.kind}
	for i, a := range args {
		bad := func(detail string) error {
			return &SyntaxError{Offset: offs[i], Msg: fmt.Sprintf("%s: argument %d must be %s%s, not %q", sx.form(), i+1, argKindNames[want[i]], detail, a)}
		}
		switch want[i] {
		case argDev:
			var names []string
			for _, d := range s.Devices {
				names = append(names, d.Name)
			}
			d := slices.Index(names, a)
			if d < 0 {
				detail := " (the world has none)"
				if len(names) > 0 {
					detail = " (one of " + strings.Join(names, ", ") + ")"
					if near := suggest.Nearest(a, names); near != "" {
						detail = fmt.Sprintf(" (did you mean %q?)", near)
					}
				}
				return Call{}, bad(detail)
			}
			c.Dev = d
		case argLine:
			n, err := strconv.Atoi(a)
			if err != nil || n < 0 || n >= s.Lines {
				return Call{}, bad(fmt.Sprintf(" (0..%d: the buffer has %d)", s.Lines-1, s.Lines))
			}
			c.Line = n
		case argSyncDir:
			d := slices.Index(syncNames[:], a)
			if d < 1 {
				return Call{}, bad("")
			}
			c.Dir = uint8(d)
		case argDMADir:
			d := dmaDirIndex(a)
			if d == 0 {
				return Call{}, bad("")
			}
			c.Dir = d
			if sx.kind == KBeginCPU || sx.kind == KEndCPU {
				// Stored as SYNC flags: DMA_FROM_DEVICE is a read.
				c.Dir = uint8(slices.Index(kernelDir[:], d))
			}
		}
	}
	return c, nil
}

// invalidSync recognises DMA_BUF_IOCTL_SYNC with flags the kernel rejects:
// a number (0x8) or START/END without READ or WRITE.
func invalidSync(args []string) (Call, bool) {
	if n, err := strconv.ParseUint(args[0], 0, 8); err == nil && len(args) == 1 {
		return SyncInvalid(uint8(n)), true
	}
	return Call{}, false
}

func dmaDirIndex(a string) uint8 {
	a = strings.TrimPrefix(a, "DMA_")
	for i, n := range dirNames {
		if i > 0 && strings.TrimPrefix(n, "DMA_") == a {
			return uint8(i)
		}
	}
	return 0
}

// splitCall splits "name(a, b)" into the name, the arguments and their
// byte offsets.
func splitCall(text string) (string, []string, []int, error) {
	open := strings.IndexByte(text, '(')
	if open < 0 {
		name := strings.TrimSpace(text)
		if name == "" {
			return "", nil, nil, &SyntaxError{Msg: "empty call"}
		}
		return "", nil, nil, &SyntaxError{Offset: len(text), Msg: fmt.Sprintf("%q: a call needs parentheses, e.g. %s()", name, name)}
	}
	if !strings.HasSuffix(strings.TrimSpace(text), ")") {
		return "", nil, nil, &SyntaxError{Offset: len(text), Msg: "missing ')' at the end of the call"}
	}
	name := strings.TrimSpace(text[:open])
	if name == "" || strings.ContainsAny(name, " \t,") {
		return "", nil, nil, &SyntaxError{Msg: fmt.Sprintf("%q is not a call name", name)}
	}
	inner := strings.TrimSpace(text[open+1:])
	inner = strings.TrimSuffix(inner, ")")
	base := open + 1
	var args []string
	var offs []int
	if strings.TrimSpace(inner) == "" {
		return name, nil, nil, nil
	}
	pos := 0
	for _, part := range strings.Split(inner, ",") {
		lead := len(part) - len(strings.TrimLeft(part, " \t"))
		a := strings.TrimSpace(part)
		if a == "" {
			return "", nil, nil, &SyntaxError{Offset: base + pos, Msg: "empty argument"}
		}
		if strings.ContainsAny(a, "() ") {
			return "", nil, nil, &SyntaxError{Offset: base + pos + lead, Msg: fmt.Sprintf("argument %q: want a name or a number", a)}
		}
		args = append(args, a)
		offs = append(offs, base+pos+lead)
		pos += len(part) + 1
	}
	return name, args, offs, nil
}
