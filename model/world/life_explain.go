package world

import (
	"fmt"
	"strings"
)

// The life family's account of a counterexample: for no-use-after-free,
// the call that touched the object and the steps that dropped its last
// reference and freed it; for no-leaked-object, the objects left live at
// the end and the references they still count.

// lifeExplain is the life family's narration (a familyExplain).
func (c *core) lifeExplain(t *trail, property string) (string, bool) {
	if !c.lay.life.used {
		return "", false
	}
	switch property {
	case NoObjectUseAfterFree:
		return c.lifeExplainUAF(t), true
	case NoLeakedObject:
		return c.lifeExplainLeak(t), true
	}
	return "", false
}

// lifeHistory finds, for object o, the last step before i that dropped its
// count to zero and the one that freed it (0: none).
func (t *trail) lifeHistory(o, i int) (zero, freed int) {
	for k := 1; k < i; k++ {
		b, a := t.state(k-1), t.state(k)
		if b.LifeRefs(o) > 0 && a.LifeRefs(o) == 0 {
			zero = k
		}
		if !b.LifeFreed(o) && a.LifeFreed(o) {
			freed = k
		}
	}
	return zero, freed
}

func (c *core) lifeExplainUAF(t *trail) string {
	i, call, before, _ := t.guiltyCall(func(v View) bool { return !v.Flag(FlagFreedObject) })
	if i < 0 {
		return ""
	}
	ls := &c.spec.Life
	o := call.Obj
	if lifeOnFd(call.Kind) {
		o = ls.Fds[call.Obj].File
	}
	name := ls.Objects[o].Name
	label := c.lifeCallName(call, t.action(i).e.Step)
	zero, freed := t.lifeHistory(o, i)
	said := func(k int) string { return fmt.Sprintf("step %d (%s: %s)", k, t.agent(k), t.label(k)) }
	switch {
	case call.Kind == lfKfree && before.LifeFreed(o):
		return fmt.Sprintf("at step %d %s freed %s a second time (%s) after %s had freed it.", i, t.agent(i), name, label, said(freed))
	case call.Kind == lfKfree:
		return fmt.Sprintf("at step %d %s freed %s (%s) while it still counts %d reference(s): their holders' pointers now dangle.", i, t.agent(i), name, label, before.LifeRefs(o))
	case before.LifeFreed(o):
		s := fmt.Sprintf("at step %d %s touched %s (%s) after %s freed it", i, t.agent(i), name, label, said(freed))
		if zero > 0 {
			s += fmt.Sprintf("; its last reference went at %s", said(zero))
		}
		return s + "."
	case call.Kind == lfKrefGet:
		s := fmt.Sprintf("at step %d %s took a reference on %s (%s) whose count was already zero", i, t.agent(i), name, label)
		if zero > 0 {
			s += fmt.Sprintf(" since %s: its release has begun and will free it under the new reference", said(zero))
		}
		return s + " (kref_get_unless_zero refuses it)."
	}
	return fmt.Sprintf("at step %d %s dropped a reference on %s (%s) whose count was already zero.", i, t.agent(i), name, label)
}

func (c *core) lifeExplainLeak(t *trail) string {
	i := t.violatedAt(func(v View) bool {
		for ag, p := range c.progs {
			if len(p.nodes[c.pcOf(v.b, ag)]) != 0 {
				return true
			}
		}
		for o := range c.spec.Life.Objects {
			if v.lifeLeaked(o) {
				return false
			}
		}
		return true
	})
	if i < 0 {
		return ""
	}
	v := t.state(i)
	var left []string
	for o, ob := range c.spec.Life.Objects {
		if v.lifeLeaked(o) {
			left = append(left, fmt.Sprintf("%s (%d reference(s))", ob.Name, v.LifeRefs(o)))
		}
	}
	verb, them := "are", "them"
	if len(left) == 1 {
		verb, them = "is", "it"
	}
	return fmt.Sprintf("at step %d every program has finished, but %s %s live with no installed fd holding %s: nobody can drop the references left, and the memory leaks.",
		i, strings.Join(left, " and "), verb, them)
}
