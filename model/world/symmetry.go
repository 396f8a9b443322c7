package world

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/internal/perm"
)

// Exact symmetry reduction over interchangeable devices and agents.
//
// A spec declares its symmetry (Spec.Symmetry): groups of names, each
// name a device (which brings the agents that drive it) or an agent alone.
// Build proves the declaration from the spec rather than trusting it: a
// world is symmetric under a permutation σ of the members of a group when
// σ maps the world onto itself, that is
//
//   - the devices of a group are equal but for the name;
//   - for every agent a, the compiled program of σ(a) is the compiled
//     program of a with σ applied: the same control-flow graph, node for
//     node and edge for edge, each call's device argument renamed by σ,
//     and each guard's text equal to the text of a's guard with the names
//     of the permuted devices and agents exchanged (an agent σ leaves in
//     place must have a program σ leaves unchanged);
//   - every invariant's text is unchanged by σ;
//   - no rule of a family walks the group's devices in index order with
//     steps that do not commute (checkSymmetry of the family).
//
// It suffices to check the transpositions of each group's first member
// with each other one: they generate the group.
//
// Guards are closures, compared by their text. That is sound under the
// contract Expr.Text already carries (the text identifies the expression)
// plus one more clause: an expression's text names every device and agent
// it depends on individually, by its name, and one that names none
// depends on all devices (and agents) alike or on none of them. The atoms
// of the file language (ParseExpr) satisfy it by construction; Go-built
// atoms (Pred, Value) must follow it, as the cache family's built-in atoms do
// ("idle(job isp0)", "no importer attached"). Names are exchanged as whole
// words, and Build rejects declarations where a permuted name could be
// read as something else in a text: a label, an atom of the expression
// language, or an object that is not permuted the same way.
//
// The reduction itself (Reduced.Canonical) maps a state to the least image,
// in byte order, of its images under the group (internal/perm). The core
// permutes the agents' program counters; each family describes how its
// own sections move through its entry in familySymmetry, and Build
// compiles each element of the group into a map of the state's bytes.

// member is one element a symmetry group permutes: a device with the
// agents that drive it, a fence-family ring with the agents that drive it
// (symmetry_fence.go), or an agent alone.
type member struct {
	// dev is the device, or -1.
	dev int
	// ring is the ring, or -1.
	ring int
	// agents are the member's agents, in agent order.
	agents []int
}

// symmetry is a built world's proven symmetry.
type symmetry struct {
	members []member
	// groups lists the members of each declared group.
	groups [][]int
	// perms is the group of member permutations (perm.Group), the
	// identity first.
	perms [][]int
	// images are perms[1:] compiled into maps of the state's bytes, and
	// keys their indices ({k} for images[k]) as perm.LeastImage passes
	// them to the permuter.
	images []image
	keys   [][]int
}

// image is one element of the symmetry group compiled for a state: byte
// i of the image is byte src[i] of the state, then renamed.
type image struct {
	src     []uint8
	renames []renameAt
}

// renameAt replaces the value v of the byte at off by table[v] when
// v < len(table).
type renameAt struct {
	off   int
	table []uint8
}

// apply writes the image of in into out (of the same length).
func (im *image) apply(out, in []byte) {
	for i, j := range im.src {
		out[i] = in[j]
	}
	for _, r := range im.renames {
		if v := out[r.off]; int(v) < len(r.table) {
			out[r.off] = r.table[v]
		}
	}
}

// permutation is one element of the symmetry group as it acts on a state:
// device d goes to dev[d], agent a to agent[a], ring r to ring[r].
type permutation struct {
	dev   [MaxDevices]int
	agent [MaxAgents]int
	ring  [MaxRings]int
}

// expand turns a member permutation (member i goes to p[i]) into its
// action on devices and agents.
func (sy *symmetry) expand(p []int) permutation {
	var x permutation
	for i := range x.dev {
		x.dev[i] = i
	}
	for i := range x.agent {
		x.agent[i] = i
	}
	for i := range x.ring {
		x.ring[i] = i
	}
	for i, j := range p {
		from, to := &sy.members[i], &sy.members[j]
		if from.dev >= 0 {
			x.dev[from.dev] = to.dev
		}
		if from.ring >= 0 {
			x.ring[from.ring] = to.ring
		}
		for k, a := range from.agents {
			x.agent[a] = to.agents[k]
		}
	}
	return x
}

// familySym is what a family provides so that worlds using it can be
// reduced by symmetry. A family without an entry cannot: Build rejects a
// symmetry declaration in a world that uses it or declares its objects.
type familySym struct {
	// callDev returns the device argument of one of the family's calls,
	// if it takes one.
	callDev func(c Call) (int, bool)
	// permuteCall renames the device (and agent) arguments of a call.
	permuteCall func(c Call, p *permutation) Call
	// check reports why the family's rules are not symmetric under the
	// declaration: a rule that walks permuted devices or agents in index
	// order with steps that do not commute.
	check func(c *core, sy *symmetry) error
	// permute describes p's action on the family's sections of the
	// state: move(to, from) sends the byte at from to to (bytes not moved
	// stay where they are), and rename(off, table) replaces the value v
	// of the byte at off, after the moves, by table[v] when v < len(table)
	// (device- or agent-valued data). Build composes the families' moves
	// into one map of the bytes per element of the group, so that the
	// canonical form runs no family code.
	permute func(c *core, p *permutation, move func(to, from int), rename func(off int, table []uint8))
}

// familySymmetry are the families' symmetry hooks. The lock, vm and p2p
// families have none yet: their sections hold locks, VMs and endpoints
// that would need their own renaming (the p2p family's devices are
// topology endpoints, not Spec.Devices).
var familySymmetry = [numFamilies]familySym{
	famCache: {callDev: cacheCallDev, permuteCall: cachePermuteCall, check: cacheCheckSymmetry, permute: cachePermute},
	famFence: {permuteCall: fencePermuteCall, check: fenceCheckSymmetry, permute: fencePermute},
}

var familyNames = [numFamilies]string{"cache", "fence", "lock", "vm", "p2p", "life"}

// declares reports whether the spec declares objects of family f.
func (s *Spec) declares(f int) bool {
	switch f {
	case famFence:
		return !reflect.ValueOf(s.Fence).IsZero()
	case famLock:
		l := s.Locks
		l.d = nil // derived at Build, not declared
		return !reflect.ValueOf(l).IsZero()
	case famVM:
		return !reflect.ValueOf(s.VM).IsZero() || s.VMs.used()
	case famP2P:
		return !reflect.ValueOf(s.P2P).IsZero()
	case famLife:
		return s.Life.declared()
	}
	return false
}

// callDev returns the device argument of a call, if it takes one.
func callDev(c Call) (int, bool) {
	if h := familySymmetry[familyOf(c.Kind)].callDev; h != nil {
		return h(c)
	}
	return 0, false
}

// buildSymmetry proves the spec's symmetry declaration (see above) and
// builds the group; a world without a declaration gets none.
func (c *core) buildSymmetry() error {
	decl := c.spec.Symmetry
	if len(decl) == 0 {
		return nil
	}
	for f := range numFamilies {
		if familySymmetry[f].permute == nil && (c.uses[f] || c.spec.declares(f)) {
			return fmt.Errorf("symmetry: the %s family cannot permute its state yet; a world using it has no symmetry reduction", familyNames[f])
		}
	}
	devIdx, agIdx := map[string]int{}, map[string]int{}
	for d, dv := range c.spec.Devices {
		devIdx[dv.Name] = d
	}
	for a, ag := range c.spec.Agents {
		agIdx[ag.Name] = a
	}
	// The devices each agent's calls name.
	devsOf := make([][]int, len(c.progs))
	for a, p := range c.progs {
		for _, n := range p.nodes {
			for _, e := range n {
				for _, op := range e.Ops {
					if d, ok := callDev(op); ok && !slices.Contains(devsOf[a], d) {
						devsOf[a] = append(devsOf[a], d)
					}
				}
			}
		}
	}
	grouped := map[int]bool{}
	for _, g := range decl {
		for _, name := range g {
			if d, ok := devIdx[name]; ok {
				grouped[d] = true
			}
		}
	}
	ringIdx, ringOf, err := c.ringMembers(decl, devIdx, devsOf)
	if err != nil {
		return err
	}
	// An agent goes with a grouped device when its calls name that device
	// and no other.
	bound := make([]int, len(c.progs))
	for a, ds := range devsOf {
		bound[a] = -1
		for _, d := range ds {
			if !grouped[d] {
				continue
			}
			if len(ds) > 1 {
				return fmt.Errorf("symmetry: agent %s calls on devices %s: only an agent of one device can be permuted with it", c.spec.Agents[a].Name, c.devNames(ds))
			}
			bound[a] = d
		}
	}
	sy := &symmetry{}
	seen := map[string]bool{}
	for gi, g := range decl {
		if len(g) < 2 {
			return fmt.Errorf("symmetry: group %d has %d member(s); a group needs two or more", gi+1, len(g))
		}
		var idx []int
		for _, name := range g {
			if seen[name] {
				return fmt.Errorf("symmetry: %s is listed twice", name)
			}
			seen[name] = true
			m := member{dev: -1, ring: -1}
			if r, ok := ringIdx[name]; ok {
				m.ring = r
				for a, b := range ringOf {
					if b == r {
						m.agents = append(m.agents, a)
					}
				}
			} else if d, ok := devIdx[name]; ok {
				m.dev = d
				for a, b := range bound {
					if b == d {
						m.agents = append(m.agents, a)
					}
				}
			} else if a, ok := agIdx[name]; ok {
				if bound[a] >= 0 {
					return fmt.Errorf("symmetry: agent %s drives device %s: list the device, its agents come with it", name, c.spec.Devices[bound[a]].Name)
				}
				if ringOf[a] >= 0 {
					return fmt.Errorf("symmetry: agent %s drives ring %s: list the ring, its agents come with it", name, c.spec.Fence.Rings[ringOf[a]].Name)
				}
				m.agents = []int{a}
			} else {
				return fmt.Errorf("symmetry: %s is neither a device nor an agent", name)
			}
			if len(idx) > 0 {
				first := sy.members[idx[0]]
				if (first.dev >= 0) != (m.dev >= 0) || (first.ring >= 0) != (m.ring >= 0) {
					return fmt.Errorf("symmetry: group %d mixes devices, rings and agents", gi+1)
				}
				if len(first.agents) != len(m.agents) {
					return fmt.Errorf("symmetry: %s has %d agent(s), %s has %d", c.memberName(first), len(first.agents), name, len(m.agents))
				}
				if m.dev >= 0 {
					a, b := c.spec.Devices[first.dev], c.spec.Devices[m.dev]
					a.Name, b.Name = "", ""
					if a != b {
						return fmt.Errorf("symmetry: devices %s and %s differ", c.spec.Devices[first.dev].Name, name)
					}
				}
				if m.ring >= 0 {
					a, b := c.spec.Fence.Rings[first.ring], c.spec.Fence.Rings[m.ring]
					a.Name, b.Name = "", ""
					if a != b {
						return fmt.Errorf("symmetry: rings %s and %s differ", c.spec.Fence.Rings[first.ring].Name, name)
					}
				}
			}
			idx = append(idx, len(sy.members))
			sy.members = append(sy.members, m)
		}
		sy.groups = append(sy.groups, idx)
	}
	if err := c.checkNames(sy); err != nil {
		return err
	}
	for f := range numFamilies {
		if h := familySymmetry[f].check; h != nil && c.uses[f] {
			if err := h(c, sy); err != nil {
				return fmt.Errorf("symmetry: %w", err)
			}
		}
	}
	// The generators: each group's first member exchanged with each other.
	for _, g := range sy.groups {
		for _, j := range g[1:] {
			p := make([]int, len(sy.members))
			for i := range p {
				p[i] = i
			}
			p[g[0]], p[j] = j, g[0]
			if err := c.invariantUnder(sy, sy.expand(p)); err != nil {
				return fmt.Errorf("symmetry: %s and %s are not interchangeable: %w", c.memberName(sy.members[g[0]]), c.memberName(sy.members[j]), err)
			}
		}
	}
	sy.perms = perm.Group(len(sy.members), sy.groups)
	for k, p := range sy.perms[1:] {
		x := sy.expand(p)
		sy.images = append(sy.images, c.compileImage(&x))
		sy.keys = append(sy.keys, []int{k})
	}
	c.sym = sy
	return nil
}

func (c *core) devNames(ds []int) string {
	var names []string
	for _, d := range ds {
		names = append(names, c.spec.Devices[d].Name)
	}
	return strings.Join(names, ", ")
}

func (c *core) memberName(m member) string {
	if m.ring >= 0 {
		return c.spec.Fence.Rings[m.ring].Name
	}
	if m.dev >= 0 {
		return c.spec.Devices[m.dev].Name
	}
	return c.spec.Agents[m.agents[0]].Name
}

// checkNames makes sure that exchanging names in texts is unambiguous: a
// permuted name is not also a label, an atom of the expression language,
// or the name of an object that is not permuted alike.
func (c *core) checkNames(sy *symmetry) error {
	permuted := map[string]bool{}
	for _, m := range sy.members {
		if m.dev >= 0 {
			permuted[c.spec.Devices[m.dev].Name] = true
		}
		if m.ring >= 0 {
			permuted[c.spec.Fence.Rings[m.ring].Name] = true
		}
		for _, a := range m.agents {
			permuted[c.spec.Agents[a].Name] = true
		}
	}
	reserved := map[string]string{}
	for _, n := range AtomNames() {
		reserved[n] = "an atom of the expression language"
	}
	for _, n := range flagNames {
		reserved[n] = "a violation flag"
	}
	for _, n := range syncNames[1:] {
		reserved[n] = "a direction"
	}
	for a, p := range c.progs {
		for l := range p.labels {
			reserved[l] = "a label of agent " + c.spec.Agents[a].Name
		}
	}
	for n := range permuted {
		if what, ok := reserved[n]; ok {
			return fmt.Errorf("symmetry: the name %s is also %s: rename it", n, what)
		}
	}
	// A name shared by a device and an agent must belong to one member
	// (a device and its own driver agent).
	owner := map[string]int{}
	for i, m := range sy.members {
		if m.dev >= 0 {
			owner[c.spec.Devices[m.dev].Name] = i
		}
		if m.ring >= 0 {
			owner[c.spec.Fence.Rings[m.ring].Name] = i
		}
		for _, a := range m.agents {
			n := c.spec.Agents[a].Name
			if o, ok := owner[n]; ok && o != i {
				return fmt.Errorf("symmetry: the name %s is shared by two members", n)
			}
			owner[n] = i
		}
	}
	for d, dv := range c.spec.Devices {
		if _, ok := owner[dv.Name]; ok && !slices.ContainsFunc(sy.members, func(m member) bool { return m.dev == d }) {
			return fmt.Errorf("symmetry: the name %s is shared by a permuted object and device %s, which is not permuted", dv.Name, dv.Name)
		}
	}
	for i, ring := range c.spec.Fence.Rings {
		if _, ok := owner[ring.Name]; ok && !slices.ContainsFunc(sy.members, func(m member) bool { return m.ring == i }) {
			return fmt.Errorf("symmetry: the name %s is shared by a permuted object and ring %s, which is not permuted", ring.Name, ring.Name)
		}
	}
	for a, ag := range c.spec.Agents {
		if _, ok := owner[ag.Name]; ok && !slices.ContainsFunc(sy.members, func(m member) bool { return slices.Contains(m.agents, a) }) {
			return fmt.Errorf("symmetry: the name %s is shared by a permuted object and agent %s, which is not permuted", ag.Name, ag.Name)
		}
	}
	return nil
}

// renamer exchanges the names of the devices and agents p moves, as whole
// words.
type renamer struct {
	to   map[string]string
	keys []string // longest first
}

func (c *core) renamer(sy *symmetry, p permutation) renamer {
	r := renamer{to: map[string]string{}}
	for d := range c.spec.Devices {
		if p.dev[d] != d {
			r.to[c.spec.Devices[d].Name] = c.spec.Devices[p.dev[d]].Name
		}
	}
	for a := range c.spec.Agents {
		if p.agent[a] != a {
			r.to[c.spec.Agents[a].Name] = c.spec.Agents[p.agent[a]].Name
		}
	}
	for i, ring := range c.spec.Fence.Rings {
		if p.ring[i] != i {
			r.to[ring.Name] = c.spec.Fence.Rings[p.ring[i]].Name
		}
	}
	for k := range r.to {
		r.keys = append(r.keys, k)
	}
	sort.Slice(r.keys, func(i, j int) bool {
		if len(r.keys[i]) != len(r.keys[j]) {
			return len(r.keys[i]) > len(r.keys[j])
		}
		return r.keys[i] < r.keys[j]
	})
	return r
}

// wordByte reports whether b can be part of a name.
func wordByte(b byte) bool {
	return b == '_' || b == '-' || b == '.' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= 0x80
}

// apply renames the whole-word occurrences of permuted names in s.
func (r renamer) apply(s string) string {
	if len(r.keys) == 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if i == 0 || !wordByte(s[i-1]) {
			matched := false
			for _, k := range r.keys {
				if strings.HasPrefix(s[i:], k) && (i+len(k) == len(s) || !wordByte(s[i+len(k)])) {
					b.WriteString(r.to[k])
					i += len(k)
					matched = true
					break
				}
			}
			if matched {
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// permuteCall renames a call's arguments by p.
func permuteCall(op Call, p *permutation) Call {
	if h := familySymmetry[familyOf(op.Kind)].permuteCall; h != nil {
		return h(op, p)
	}
	return op
}

// invariantUnder checks that p maps the world onto itself: every agent's
// program onto its image's, every invariant onto itself.
func (c *core) invariantUnder(sy *symmetry, p permutation) error {
	r := c.renamer(sy, p)
	for a := range c.progs {
		b := p.agent[a]
		if err := c.sameProgram(a, b, &p, r); err != nil {
			if a == b {
				return fmt.Errorf("agent %s's program changes when they are exchanged: %w", c.spec.Agents[a].Name, err)
			}
			return fmt.Errorf("agent %s's program is not agent %s's with the names exchanged: %w", c.spec.Agents[b].Name, c.spec.Agents[a].Name, err)
		}
	}
	for _, inv := range c.spec.Invariants {
		if got := r.apply(inv.Expr.Text); got != inv.Expr.Text {
			return fmt.Errorf("invariant %s changes when they are exchanged: %q becomes %q", inv.Name, inv.Expr.Text, got)
		}
	}
	return nil
}

// sameProgram reports how agent b's program differs from the image of
// agent a's under p.
func (c *core) sameProgram(a, b int, p *permutation, r renamer) error {
	pa, pb := c.progs[a], c.progs[b]
	if len(pa.nodes) != len(pb.nodes) {
		return fmt.Errorf("%d program points, not %d", len(pb.nodes), len(pa.nodes))
	}
	if !mapsEqual(pa.labels, pb.labels) {
		return fmt.Errorf("the labels differ")
	}
	for n := range pa.nodes {
		ea, eb := pa.nodes[n], pb.nodes[n]
		if len(ea) != len(eb) {
			return fmt.Errorf("at %s: %d steps, not %d", pb.describeNode(n), len(eb), len(ea))
		}
		for k := range ea {
			x, y := &ea[k], &eb[k]
			if x.Step != y.Step || x.To != y.To || x.Label != y.Label || len(x.Ops) != len(y.Ops) || len(x.Guards) != len(y.Guards) {
				return fmt.Errorf("at %s: step %s differs in shape", pb.describeNode(n), c.edgeName(y))
			}
			for i, op := range x.Ops {
				if permuteCall(op, p) != y.Ops[i] {
					return fmt.Errorf("at %s: %s, not the image of %s", pb.describeNode(n), c.edgeName(y), c.edgeName(x))
				}
			}
			// Guards are compared as sets of conjuncts (the world
			// evaluates them so): the image of "!attached(a) && !attached(b)"
			// is the same guard written "!attached(b) && !attached(a)".
			var gx, gy []string
			for _, g := range x.Guards {
				for _, cj := range g.conjuncts(nil) {
					gx = append(gx, r.apply(cj.Text))
				}
			}
			for _, g := range y.Guards {
				for _, cj := range g.conjuncts(nil) {
					gy = append(gy, cj.Text)
				}
			}
			slices.Sort(gx)
			slices.Sort(gy)
			if !slices.Equal(gx, gy) {
				return fmt.Errorf("at %s: step %s is guarded by %q, not %q", pb.describeNode(n), c.edgeName(y), strings.Join(gy, " && "), strings.Join(gx, " && "))
			}
		}
	}
	return nil
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// compileImage compiles p's action on the state into a map of its bytes:
// the core moves the agents' program counters, the families their
// sections.
func (c *core) compileImage(p *permutation) image {
	im := image{src: make([]uint8, c.lay.size)}
	for i := range im.src {
		im.src[i] = uint8(i)
	}
	move := func(to, from int) { im.src[to] = uint8(from) }
	rename := func(off int, table []uint8) { im.renames = append(im.renames, renameAt{off: off, table: table}) }
	for a, off := range c.lay.pc {
		if off >= 0 {
			move(c.lay.pc[p.agent[a]], off)
		}
	}
	for f := range numFamilies {
		if h := familySymmetry[f].permute; h != nil {
			h(c, p, move, rename)
		}
	}
	return im
}

// Symmetric reports whether the world has a symmetry group larger than
// the identity (a declaration Build proved).
func (m *Model) Symmetric() bool { return m.c.sym != nil && len(m.c.sym.perms) > 1 }

// Permutations returns the symmetry group as permutations of the declared
// members (numbered across the groups in declaration order; member i goes
// to p[i]), the identity first; nil for a world without a declaration.
// World.Permute applies one to a state.
func (m *Model) Permutations() [][]int {
	if m.c.sym == nil {
		return nil
	}
	return m.c.sym.perms
}

// Unreduced returns the model without its symmetry reduction: Check,
// Replay and ReplayAs then explore every state. It is the same world.
func (m *Model) Unreduced() *Model { return &Model{c: m.c, unreduced: true} }

// reduces reports whether Check reduces m by symmetry.
func (m *Model) reduces() bool { return !m.unreduced && m.Symmetric() }

// Permute returns the image of s under p, a permutation of the declared
// members (Model.Permutations): every device's and agent's section moves
// to its image's, and device-valued data (the writer of each line's latest
// write) is renamed.
func (w World[S]) Permute(s S, p []int) S {
	if w.sym == nil {
		return s
	}
	x := w.sym.expand(p)
	im := w.compileImage(&x)
	out := s
	im.apply(view(&out), view(&s))
	return out
}

// Reduced is a world with its symmetry reduction: the checker stores only
// canonical states, one per orbit of the group Build proved.
type Reduced[S Bytes] struct{ World[S] }

// Canonical returns the least image of s, in byte order, under the
// world's symmetry group: the same state for every member of s's orbit
// (statespace.Canonicalizer).
func (r Reduced[S]) Canonical(s S) S {
	if r.sym == nil {
		return s
	}
	return perm.LeastImage(s, r.sym.keys, imager[S]{r.sym})
}

// imager applies the compiled images of a symmetry: p is {k} for
// images[k].
type imager[S Bytes] struct{ sy *symmetry }

// Permute returns the image of s under images[p[0]].
func (m imager[S]) Permute(s S, p []int) S {
	out := s
	m.sy.images[p[0]].apply(view(&out), view(&s))
	return out
}

// AsReduced returns m as a statespace model over S with its symmetry
// reduction.
func AsReduced[S Bytes](m *Model) (Reduced[S], error) {
	w, err := As[S](m)
	return Reduced[S]{w}, err
}
