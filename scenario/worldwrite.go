package scenario

import (
	"bytes"
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/dmabufcheck/dmabufcheck/model/world"
)

// WorldYAML writes a world as a world file (model: world) that LoadFile
// reads back to the same world: the objects, the exporter's hooks, every
// agent's program with its guards, the invariants, the symmetry and the
// expectations. It fails for a call or guard without a textual form.
func WorldYAML(s world.Spec, description string, expect []Expectation) ([]byte, error) {
	top := mapping()
	add := func(k string, v *yaml.Node) { top.Content = append(top.Content, scalar(k), v) }
	add("model", scalar("world"))
	add("name", scalar(s.Name))
	if description != "" {
		add("description", scalar(description))
	}
	if s.UsesCacheFamily() {
		add("arch", scalar(s.Arch.String()))
		add("backing", scalar(s.Backing.String()))
		add("lines", scalar(strconv.Itoa(s.Lines)))
		add("writes", scalar(strconv.Itoa(s.Writes)))
	}
	if n := writeCPUCacheSection(&s); n != nil {
		add("cpu-cache", n)
	}
	if s.DMASyncsDeviceCaches {
		add("dma-api-syncs-device-caches", scalar("true"))
	}
	if len(s.Devices) > 0 {
		add("exporter", exporterNode(s.Exporter))
		devs := sequence()
		for _, d := range s.Devices {
			dn := mapping()
			dn.Content = append(dn.Content, scalar("name"), scalar(d.Name))
			for _, b := range []struct {
				k string
				v bool
			}{{"coherent", d.Coherent}, {"own-cache", d.OwnCache}, {"dynamic", d.Dynamic}, {"bounce", d.Bounce}, {"iommu", d.IOMMU}} {
				if b.v {
					dn.Content = append(dn.Content, scalar(b.k), scalar("true"))
				}
			}
			if d.Fence != "" {
				dn.Content = append(dn.Content, scalar("fence"), scalar(d.Fence))
			}
			devs.Content = append(devs.Content, dn)
		}
		add("devices", devs)
	}
	for _, w := range []struct {
		key   string
		write func(*world.Spec) (*yaml.Node, error)
	}{{"fence", writeFenceSection}, {"locks", writeLocksSection}, {"vm", writeVMSection}, {"vms", writeVMsSection}, {"p2p", writeP2PSection}, {"life", writeLifeSection}} {
		n, err := w.write(&s)
		if err != nil {
			return nil, err
		}
		if n != nil {
			add(w.key, n)
		}
	}
	if len(s.Symmetry) > 0 {
		groups := sequence()
		for _, g := range s.Symmetry {
			gn := sequence()
			gn.Style = yaml.FlowStyle
			for _, name := range g {
				gn.Content = append(gn.Content, scalar(name))
			}
			groups.Content = append(groups.Content, gn)
		}
		add("symmetry", groups)
	}
	agents := sequence()
	for _, a := range s.Agents {
		prog, err := stmtNode(a.Program, &s)
		if err != nil {
			return nil, fmt.Errorf("agent %s: %w", a.Name, err)
		}
		an := mapping()
		an.Content = append(an.Content, scalar("name"), scalar(a.Name), scalar("program"), asList(prog))
		agents.Content = append(agents.Content, an)
	}
	add("agents", agents)
	if len(s.Invariants) > 0 {
		invs := sequence()
		for _, inv := range s.Invariants {
			in := mapping()
			in.Content = append(in.Content, scalar("name"), scalar(inv.Name), scalar("expr"), scalar(inv.Expr.Text))
			invs.Content = append(invs.Content, in)
		}
		add("invariants", invs)
	}
	if len(expect) > 0 {
		add("expect", expectNode(expect))
	}
	return encodeYAML(top)
}

// expectNode writes expectations: property: verdict, or property:
// {verdict, length}.
func expectNode(expect []Expectation) *yaml.Node {
	en := mapping()
	for _, e := range expect {
		if e.Length == 0 {
			en.Content = append(en.Content, scalar(e.Property), scalar(e.Verdict))
			continue
		}
		vn := mapping()
		vn.Style = yaml.FlowStyle
		vn.Content = append(vn.Content, scalar("verdict"), scalar(e.Verdict), scalar("length"), scalar(strconv.Itoa(e.Length)))
		en.Content = append(en.Content, scalar(e.Property), vn)
	}
	return en
}

// encodeYAML writes a file's top mapping, indented by two.
func encodeYAML(top *yaml.Node) ([]byte, error) {
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{top}}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func mapping() *yaml.Node  { return &yaml.Node{Kind: yaml.MappingNode} }
func sequence() *yaml.Node { return &yaml.Node{Kind: yaml.SequenceNode} }
func scalar(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: v}
}

// asList makes a statement node a list (a program is a list of
// statements).
func asList(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.SequenceNode {
		return n
	}
	l := sequence()
	l.Content = append(l.Content, n)
	return l
}

// exporterNode writes the exporter as its preset's name when it is one,
// else as its hooks.
func exporterNode(e world.Exporter) *yaml.Node {
	if p, ok := world.ExporterPreset(e.Name); ok && fmt.Sprint(p) == fmt.Sprint(e) {
		return scalar(e.Name)
	}
	n := mapping()
	n.Content = append(n.Content, scalar("name"), scalar(e.Name))
	if e.Dynamic {
		n.Content = append(n.Content, scalar("dynamic"), scalar("true"))
	}
	if e.CacheSGTFirstDir {
		n.Content = append(n.Content, scalar("cache-sgt"), scalar("first-direction"))
	} else if e.CacheSGT {
		n.Content = append(n.Content, scalar("cache-sgt"), scalar("true"))
	}
	for _, h := range []struct {
		k string
		h world.Hook
	}{{"attach", e.Attach}, {"map", e.Map}, {"begin", e.Begin}, {"end", e.End}} {
		if len(h.h) == 0 {
			continue
		}
		l := sequence()
		l.Style = yaml.FlowStyle
		for _, op := range h.h {
			l.Content = append(l.Content, scalar(op.String()))
		}
		n.Content = append(n.Content, scalar(h.k), l)
	}
	return n
}

// stmtNode writes one statement.
func stmtNode(st world.Stmt, s *world.Spec) (*yaml.Node, error) {
	one := func(key string, v *yaml.Node) *yaml.Node {
		m := mapping()
		m.Content = append(m.Content, scalar(key), v)
		return m
	}
	list := func(sts []world.Stmt) (*yaml.Node, error) {
		l := sequence()
		for _, x := range sts {
			n, err := stmtNode(x, s)
			if err != nil {
				return nil, err
			}
			l.Content = append(l.Content, n)
		}
		return l, nil
	}
	switch st := st.(type) {
	case nil:
		return sequence(), nil
	case world.Call:
		text, err := world.CallText(kernelName(st), s)
		if err != nil {
			return nil, err
		}
		return scalar(text), nil
	case world.Seq:
		return list(st)
	case world.Choose:
		l, err := list(st)
		if err != nil {
			return nil, err
		}
		return one("choose", l), nil
	case world.Forever:
		l, err := list(st)
		if err != nil {
			return nil, err
		}
		return one("forever", l), nil
	case world.Loop:
		b, err := stmtNode(st.Body, s)
		if err != nil {
			return nil, err
		}
		return one("loop", asList(b)), nil
	case world.Repeat:
		b, err := stmtNode(st.Body, s)
		if err != nil {
			return nil, err
		}
		m := one("repeat", scalar(strconv.Itoa(st.N)))
		m.Content = append(m.Content, scalar("do"), b)
		return m, nil
	case world.When:
		b, err := stmtNode(st.Body, s)
		if err != nil {
			return nil, err
		}
		m := one("when", scalar(st.Cond.Text))
		m.Content = append(m.Content, scalar("do"), b)
		return m, nil
	case world.Label:
		return one("label", scalar(st.Name)), nil
	case world.Goto:
		return one("goto", scalar(st.Label)), nil
	case world.Break:
		return scalar("break"), nil
	case world.Atomic:
		l := sequence()
		for _, c := range st {
			text, err := world.CallText(kernelName(c), s)
			if err != nil {
				return nil, err
			}
			l.Content = append(l.Content, scalar(text))
		}
		return one("atomic", l), nil
	}
	return nil, fmt.Errorf("statement %T has no textual form", st)
}

// kernelName writes the fence family's former spelling of the CPU
// bracket (__dma_buf_begin_cpu_access, __dma_buf_end_cpu_access, which
// the parser keeps as aliases) as the kernel's call,
// dma_buf_begin_cpu_access / dma_buf_end_cpu_access of the same
// direction: the same call, the same world (model/world/join_test.go:
// TestTheFenceFamilysBracketIsDmaBufBeginCPUAccess).
func kernelName(c world.Call) world.Call {
	dir := world.SyncRead // DMA_FROM_DEVICE
	if c.Dir == 1 {
		dir = world.SyncWrite // DMA_TO_DEVICE
	}
	switch c.Kind {
	case world.KResvBeginCPU:
		return world.BeginCPUAccess(dir)
	case world.KResvEndCPU:
		return world.EndCPUAccess(dir)
	}
	return c
}
