package world

import (
	"errors"
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

// Arg is one argument of a call's (or an atom's) textual form: what it is
// and how its text turns into a value of the Call.
type Arg struct {
	// Form is how the syntax line shows it (DEVICE, LINE, FENCE, ...).
	Form string
	// What says what it must be, for error messages ("a device").
	What string
	// Names lists the names it may take in s (nil: a number, checked by
	// Parse alone).
	Names func(s *Spec) []string
	// Parse turns the text into a value; ok false when it is not one.
	Parse func(s *Spec, text string) (v int, ok bool)
	// Set stores the value in the call, Get reads it back. An argument
	// without Set is derived: its value is Get of the call the other
	// arguments make, and the text must be its Format (a fence's
	// dma_resv, fixed words such as ctx or NULL).
	Set func(c *Call, v int)
	Get func(c Call) int
	// Format renders a value as the file writes it (nil: Names(s)[v], or
	// the number).
	Format func(s *Spec, v int) string
	// Optional: the argument may be left out when Default returns ok (a
	// one-line buffer's line).
	Default func(s *Spec) (string, bool)
}

// byName is Parse for an argument given by one of Names.
func byName(names func(s *Spec) []string) func(s *Spec, text string) (int, bool) {
	return func(s *Spec, text string) (int, bool) {
		i := slices.Index(names(s), text)
		return i, i >= 0
	}
}

// The cache family's arguments.
var (
	argDev = Arg{Form: "DEVICE", What: "a device", Names: deviceNames, Parse: byName(deviceNames),
		Set: func(c *Call, v int) { c.Dev = v }, Get: func(c Call) int { return c.Dev }}
	argLine = Arg{Form: "LINE", What: "a cache line", Parse: func(s *Spec, t string) (int, bool) {
		n, err := strconv.Atoi(t)
		return n, err == nil && n >= 0 && n < s.Lines
	}, Set: func(c *Call, v int) { c.Line = v }, Get: func(c Call) int { return c.Line }, Default: func(s *Spec) (string, bool) { return "0", s.Lines == 1 }}
	argSyncDir = Arg{Form: "READ|WRITE|RW", What: "READ, WRITE or RW", Parse: func(_ *Spec, t string) (int, bool) {
		d := slices.Index(syncNames[:], t)
		return d, d >= 1
	}, Set: func(c *Call, v int) { c.Dir = uint8(v) }, Get: func(c Call) int { return int(c.Dir) },
		Format: func(_ *Spec, v int) string { return syncNames[v&3] }}
	argDMADir = Arg{Form: "DMA_DIR", What: "DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL", Parse: func(_ *Spec, t string) (int, bool) {
		d := dmaDirIndex(t)
		return int(d), d != 0
	}, Set: func(c *Call, v int) { c.Dir = uint8(v) }, Get: func(c Call) int { return int(c.Dir) },
		Format: func(_ *Spec, v int) string { return dirNames[v&3] }}
	// argCPUDir is a DMA direction stored as SYNC flags (dma_buf_begin/
	// end_cpu_access): DMA_FROM_DEVICE is a read.
	argCPUDir = Arg{Form: "DMA_DIR", What: "DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL", Parse: func(_ *Spec, t string) (int, bool) {
		d := dmaDirIndex(t)
		return slices.Index(kernelDir[:], d), d != 0
	}, Set: func(c *Call, v int) { c.Dir = uint8(v) }, Get: func(c Call) int { return int(c.Dir) },
		Format: func(_ *Spec, v int) string { return dirNames[kernelDir[v&3]] }}
)

func deviceNames(s *Spec) []string {
	var out []string
	for _, d := range s.Devices {
		out = append(out, d.Name)
	}
	return out
}

func agentNames(s *Spec) []string {
	var out []string
	for _, a := range s.Agents {
		out = append(out, a.Name)
	}
	return out
}

// Syntax is the textual form of one call kind, for scenario files.
type Syntax struct {
	// Name is the kernel's name, as a file writes it.
	Name string
	// Kind is the call it stands for.
	Kind CallKind
	// Lead is a fixed first argument (START or END for
	// DMA_BUF_IOCTL_SYNC), "" for none.
	Lead string
	// Args are the arguments after Lead.
	Args []Arg
	// Fixed are argument values the call kind implies (set before Args).
	Fixed Call
	// Result is the kernel result the call kind stands for, written after
	// the call: dma_resv_lock(bo, ctx) = -EDEADLK; "" for the plain form.
	Result string
	// Help says what the call is.
	Help string
}

// cacheSyntaxes lists the cache family's calls, in documentation order.
var cacheSyntaxes = []Syntax{
	{Name: "DMA_BUF_IOCTL_SYNC", Lead: "START", Kind: KSyncStart, Args: []Arg{argSyncDir}, Help: "user space begins CPU access: the exporter's begin_cpu_access hook, then the wait for the fences in the dma-buf's resv (two steps)"},
	{Name: "DMA_BUF_IOCTL_SYNC", Lead: "END", Kind: KSyncEnd, Args: []Arg{argSyncDir}, Help: "user space ends CPU access: the exporter's end_cpu_access hook"},
	{Name: "dma_buf_begin_cpu_access", Kind: KBeginCPU, Args: []Arg{argCPUDir}, Help: "a kernel user begins CPU access (two steps, as the ioctl); in a world with the fence family, the CPU's access whose wait is the fence family's"},
	{Name: "dma_buf_end_cpu_access", Kind: KEndCPU, Args: []Arg{argCPUDir}, Help: "a kernel user ends CPU access: the exporter's end_cpu_access hook"},
	{Name: "cpu_read", Kind: KCPURead, Args: []Arg{argLine}, Help: "a load through the mmap or vmap"},
	{Name: "cpu_write", Kind: KCPUWrite, Args: []Arg{argLine}, Help: "a store through the mmap or vmap"},
	{Name: "cache_prefetch", Kind: KPrefetch, Args: []Arg{argLine}, Help: "the CPU cache fills an invalid line speculatively"},
	{Name: "cache_writeback", Kind: KWriteback, Args: []Arg{argLine}, Help: "the CPU cache writes a dirty line back"},
	{Name: "cache_evict", Kind: KEvict, Args: []Arg{argLine}, Help: "the CPU cache drops a clean line"},
	{Name: "dma_buf_attach", Kind: KAttach, Args: []Arg{argDev}, Help: "the importer attaches its device (dma_buf_dynamic_attach for a dynamic importer)"},
	{Name: "dma_buf_detach", Kind: KDetach, Args: []Arg{argDev}},
	{Name: "dma_buf_map_attachment", Kind: KMap, Args: []Arg{argDev, argDMADir}},
	{Name: "dma_buf_unmap_attachment", Kind: KUnmap, Args: []Arg{argDev}},
	{Name: "dma_buf_pin", Kind: KPin, Args: []Arg{argDev}},
	{Name: "dma_buf_unpin", Kind: KUnpin, Args: []Arg{argDev}},
	{Name: "device_dma_read", Kind: KJobRead, Args: []Arg{argDev, argLine}, Help: "the device's DMA job starts and reads the line (through its own cache or bounce buffer if it has one)"},
	{Name: "device_dma_write", Kind: KJobWrite, Args: []Arg{argDev, argLine}, Help: "the device's DMA write job starts; the write lands when it completes"},
	{Name: "device_job_done", Kind: KJobDone, Args: []Arg{argDev}, Help: "the device's job completes and its fence signals (dma_fence_signal)"},
	{Name: "dma_sync_sgtable_for_cpu", Kind: KSyncForCPU, Args: []Arg{argDev}},
	{Name: "dma_sync_sgtable_for_device", Kind: KSyncForDevice, Args: []Arg{argDev}},
	{Name: "device_cache_writeback", Kind: KDevWriteback, Args: []Arg{argDev, argLine}},
	{Name: "device_cache_evict", Kind: KDevEvict, Args: []Arg{argDev, argLine}},
	{Name: "dma_buf_move_notify", Kind: KMoveNotify, Help: "the dynamic exporter moves the buffer"},
	{Name: "dma_buf_put", Kind: KRelease, Help: "the last reference goes: dma_buf_release"},
}

// syntaxes lists every call a scenario file can write: each family's
// table (fenceSyntaxes, ... in the family's files).
func syntaxes() []Syntax {
	return slices.Concat(cacheSyntaxes, fenceSyntaxes, lockSyntaxes, vmChainSyntaxes, vmChainFenceSyntaxes, vmSyntaxes, p2pSyntaxes, lifeSyntaxes, rcuSyntaxes)
}

// CallNames returns every call name a scenario file can use, sorted and
// without duplicates.
func CallNames() []string {
	var out []string
	for _, s := range syntaxes() {
		if !slices.Contains(out, s.Name) {
			out = append(out, s.Name)
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
	for _, s := range syntaxes() {
		out = append(out, s.Form())
	}
	return out
}

// Form renders the syntax with its argument forms, e.g.
// "dma_buf_map_attachment(DEVICE, DMA_DIR)".
func (s Syntax) Form() string {
	var args []string
	if s.Lead != "" {
		args = append(args, s.Lead)
	}
	for _, a := range s.Args {
		args = append(args, a.Form)
	}
	f := s.Name + "(" + strings.Join(args, ", ") + ")"
	if s.Result != "" {
		f += " = " + s.Result
	}
	return f
}

// SyntaxError is an error at a byte offset of the parsed text.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return e.Msg }

// ParseCall parses the textual form of a call against the objects of s
// (devices by name, lines by number, each family's objects by their
// names). Errors are *SyntaxError with the offset of the offending
// argument.
func ParseCall(text string, s *Spec) (Call, error) {
	text, result, resultAt, said, err := splitSuffix(text)
	if err != nil {
		return Call{}, err
	}
	name, args, offs, err := splitCall(text)
	if err != nil {
		return Call{}, err
	}
	var cands []Syntax
	var results []string
	named := false
	for _, sx := range syntaxes() {
		if sx.Name == name {
			named = true
			if !slices.Contains(results, sx.Result) {
				results = append(results, sx.Result)
			}
			if sx.Result == result {
				cands = append(cands, sx)
			}
		}
	}
	if !named {
		return Call{}, &SyntaxError{Offset: 0, Msg: fmt.Sprintf("unknown call %q%s", name, suggest.DidYouMean(name, CallNames()))}
	}
	if len(cands) == 0 {
		for i, r := range results {
			if r == "" {
				results[i] = "no result (the plain call)"
			} else {
				results[i] = "= " + r
			}
		}
		if result == "" {
			return Call{}, &SyntaxError{Offset: len(text), Msg: fmt.Sprintf("%s: write the result: %s", name, strings.Join(results, " or "))}
		}
		return Call{}, &SyntaxError{Offset: resultAt, Msg: fmt.Sprintf("%s: unknown result %q (want %s)", name, result, strings.Join(results, " or "))}
	}
	if said != "" {
		// Only lock-family calls carry a text: of a name several families
		// use, the lock family's forms.
		var lock []Syntax
		for _, sx := range cands {
			if f := familyOf(sx.Kind); f == famLock || f == famLife {
				lock = append(lock, sx)
			}
		}
		if len(lock) == 0 {
			return Call{}, &SyntaxError{Offset: len(text), Msg: fmt.Sprintf("%s: only lock-family calls take a text (as \"...\")", name)}
		}
		cands = lock
	}
	c, err := parseArgs(cands, name, text, args, offs, s)
	c.Text = said
	return c, err
}

// parseArgs parses a call's arguments against the syntaxes of its name
// (and result): the one whose Lead the first argument is, else the first
// whose arguments parse.
func parseArgs(cands []Syntax, name, text string, args []string, offs []int, s *Spec) (Call, error) {
	sx := cands[0]
	if sx.Lead != "" {
		var leads []string
		found := false
		for _, c := range cands {
			leads = append(leads, c.Lead)
			if len(args) > 0 && args[0] == c.Lead {
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
		cands = []Syntax{sx}
	}
	if len(cands) > 1 {
		// Syntaxes of one name told apart by their arguments: the first
		// that parses; else the error of the first with as many
		// arguments.
		var first error
		var fitting []string
		same := true
		// A form of a family whose objects the world declares explains a
		// failure better than one of a family it does not use.
		slices.SortStableFunc(cands, func(a, b Syntax) int {
			return b2i(!s.declaresFamily(familyOf(a.Kind))) - b2i(!s.declaresFamily(familyOf(b.Kind)))
		})
		for _, c := range cands {
			call, err := parseArgs([]Syntax{c}, name, text, args, offs, s)
			if err == nil {
				return call, nil
			}
			n := len(c.Args)
			if c.Lead != "" {
				n++
			}
			if n == len(args) {
				var se *SyntaxError
				if first == nil {
					first = err
				} else if f, ok := first.(*SyntaxError); !ok || !errors.As(err, &se) || se.Offset != f.Offset {
					same = false
				}
				fitting = append(fitting, c.Form())
			}
		}
		if len(fitting) > 1 && same {
			// Every form fails at the same argument: say which forms there are.
			at := first.(*SyntaxError).Offset
			first = &SyntaxError{Offset: at, Msg: fmt.Sprintf("%s; the call's forms are %s", first.Error(), strings.Join(fitting, " and "))}
		}
		if first == nil {
			var forms []string
			for _, c := range cands {
				forms = append(forms, c.Form())
			}
			first = &SyntaxError{Offset: 0, Msg: fmt.Sprintf("%s takes the arguments of %s", name, strings.Join(forms, " or "))}
		}
		return Call{}, first
	}
	if sx.Kind == KSyncStart && len(args) == 0 {
		return SyncInvalid(0), nil // START without READ or WRITE: -EINVAL
	}
	want := sx.Args
	if len(args) == len(want)-1 && len(want) > 0 && want[len(want)-1].Default != nil {
		if d, ok := want[len(want)-1].Default(s); ok {
			args = append(args, d) // e.g. a one-line buffer: the line goes without saying
			offs = append(offs, len(text))
		}
	}
	if len(args) != len(want) {
		return Call{}, &SyntaxError{Offset: 0, Msg: fmt.Sprintf("%s takes %d argument(s): %s", name, len(want), sx.Form())}
	}
	c := sx.Fixed
	c.Kind = sx.Kind
	for i, a := range args {
		arg := want[i]
		if arg.Set == nil {
			continue // derived: checked below
		}
		v, ok := arg.Parse(s, a)
		if !ok {
			detail := ""
			if arg.Names != nil {
				names := arg.Names(s)
				switch near := suggest.Nearest(a, names); {
				case len(names) == 0:
					detail = " (the world has none)"
				case near != "":
					detail = fmt.Sprintf(" (did you mean %q?)", near)
				default:
					detail = " (one of " + strings.Join(names, ", ") + ")"
				}
			} else if arg.Form == "LINE" {
				detail = fmt.Sprintf(" (0..%d: the buffer has %d)", s.Lines-1, s.Lines)
			}
			return Call{}, &SyntaxError{Offset: offs[i], Msg: fmt.Sprintf("%s: argument %d must be %s%s, not %q", sx.Form(), i+1, arg.What, detail, a)}
		}
		arg.Set(&c, v)
	}
	for i, a := range args {
		if arg := want[i]; arg.Set == nil {
			if f := arg.Format(s, arg.Get(c)); a != f {
				return Call{}, &SyntaxError{Offset: offs[i], Msg: fmt.Sprintf("%s: argument %d must be %s, not %q", sx.Form(), i+1, f, a)}
			}
		}
	}
	return c, nil
}

// splitSuffix splits what follows a call's closing parenthesis: its
// result ("= -EDEADLK") and its text ("as \"execbuf ioctl returns\"").
func splitSuffix(text string) (call, result string, resultAt int, said string, err error) {
	open := strings.IndexByte(text, '(')
	end := strings.IndexByte(text, ')')
	if open < 0 || end < open {
		return text, "", 0, "", nil
	}
	call, rest := text[:end+1], text[end+1:]
	at := end + 1
	trim := func() {
		t := strings.TrimLeft(rest, " \t")
		at += len(rest) - len(t)
		rest = t
	}
	trim()
	if strings.HasPrefix(rest, "=") {
		rest = rest[1:]
		at++
		trim()
		n := strings.IndexAny(rest, " \t")
		if n < 0 {
			n = len(rest)
		}
		result, resultAt = rest[:n], at
		if result == "" {
			return "", "", 0, "", &SyntaxError{Offset: at, Msg: "missing result after '='"}
		}
		rest, at = rest[n:], at+n
		trim()
	}
	if strings.HasPrefix(rest, "as ") {
		q := strings.TrimSpace(rest[3:])
		if len(q) < 3 || q[0] != '"' || q[len(q)-1] != '"' || strings.Contains(q[1:len(q)-1], `"`) {
			return "", "", 0, "", &SyntaxError{Offset: at + 3, Msg: `want the call's text in double quotes: as "..."`}
		}
		return call, result, resultAt, q[1 : len(q)-1], nil
	}
	if rest != "" {
		return "", "", 0, "", &SyntaxError{Offset: at, Msg: fmt.Sprintf("unexpected %q after the call (want = RESULT or as \"TEXT\")", rest)}
	}
	return call, result, resultAt, "", nil
}

// invalidSync recognises DMA_BUF_IOCTL_SYNC given its raw flags, a number:
// the call the ioctl makes with them (SyncCall), so that 0x8 is rejected
// with -EINVAL and 0x1 is START|READ.
func invalidSync(args []string) (Call, bool) {
	if n, err := strconv.ParseUint(args[0], 0, 64); err == nil && len(args) == 1 {
		return SyncCall(n), true
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

// CallText renders a call as a scenario file writes it; ParseCall reads
// it back to the same call. It fails for a call without a textual form.
func CallText(c Call, s *Spec) (string, error) {
	if c.Kind == KSyncInvalid {
		if c.Dir == 0 {
			return "DMA_BUF_IOCTL_SYNC(START)", nil
		}
		return fmt.Sprintf("DMA_BUF_IOCTL_SYNC(%#x)", c.Dir), nil
	}
	for _, sx := range syntaxes() {
		if sx.Kind != c.Kind {
			continue
		}
		var args []string
		if sx.Lead != "" {
			args = append(args, sx.Lead)
		}
		probe := sx.Fixed
		probe.Kind, probe.Text = sx.Kind, c.Text
		fits := true
		for _, a := range sx.Args {
			v := a.Get(c)
			if a.Set == nil {
				args = append(args, "") // derived: rendered below
				continue
			}
			a.Set(&probe, v)
			var t string
			switch {
			case a.Format != nil:
				t = a.Format(s, v)
			case a.Names != nil:
				names := a.Names(s)
				if v < 0 || v >= len(names) {
					return "", fmt.Errorf("%s: argument %d out of range", sx.Name, v)
				}
				t = names[v]
			default:
				t = strconv.Itoa(v)
			}
			if p, ok := a.Parse(s, t); !ok || p != v {
				fits = false // the value is not one this syntax takes (another form of the kind)
			}
			args = append(args, t)
		}
		if probe != c || !fits {
			continue // another syntax of the same kind (a fixed argument differs)
		}
		for i, a := range sx.Args {
			if a.Set == nil {
				args[i+len(args)-len(sx.Args)] = a.Format(s, a.Get(c))
			}
		}
		t := sx.Name + "(" + strings.Join(args, ", ") + ")"
		if sx.Result != "" {
			t += " = " + sx.Result
		}
		if c.Text != "" {
			if strings.Contains(c.Text, `"`) {
				return "", fmt.Errorf("%s: the call's text %q has a double quote", sx.Name, c.Text)
			}
			t += ` as "` + c.Text + `"`
		}
		return t, nil
	}
	return "", fmt.Errorf("call %#x has no textual form", c.Kind)
}

// declaresFamily reports whether s declares objects of family f (the
// cache family: devices, or agents making its calls).
func (s *Spec) declaresFamily(f int) bool {
	if f == famCache {
		return len(s.Devices) > 0 || s.UsesCacheFamily()
	}
	return s.declares(f)
}
