package world

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// The life family's properties, names and descriptions.

// Property names of the life family.
const (
	// NoObjectUseAfterFree: no object is touched after kfree, no
	// reference is taken on a count already zero, no object is freed while
	// referenced.
	NoObjectUseAfterFree = "no-use-after-free"
	// NoLeakedObject: when every program has finished, every object is
	// freed or held by an installed fd.
	NoLeakedObject = "no-leaked-object"
)

// lifeDocs explain the family's properties and the kernel rules.
var lifeDocs = map[string]string{
	NoObjectUseAfterFree: "No reference-counted object (a dma-buf's file, a GEM object, an importer's attachment data, an entry of a global list) is " +
		"touched after kfree: no get, put, dereference, list walk reaching it or fd_install of it; no kref_get on a count that is already zero " +
		"(include/linux/refcount.h: \"addition on 0; use-after-free\": the object's release has begun; a lookup under a lock takes " +
		"kref_get_unless_zero, include/linux/kref.h), and no kfree of an object still referenced. fd_install must be the last use of the file " +
		"(fs/file.c: fd_install; another thread may close the fd at once).",
	NoLeakedObject: "When every program has finished, every object is freed or held by an installed fd (which the process's exit closes): " +
		"no reference is left that nobody can drop, such as the cycle of a GEM object and the dma-buf it caches in obj->dma_buf, broken only " +
		"when the handle is closed (drivers/gpu/drm/drm_gem.c: drm_gem_object_release_handle → drm_gem_object_exported_dma_buf_free).",
	NoRcuWrongFence: rcuDoc,
}

// lifeProps are the family's properties (none when no program makes its
// calls).
func (c *core) lifeProps() []propDef {
	if !c.lay.life.used {
		return nil
	}
	return append([]propDef{
		flagProp(NoObjectUseAfterFree, FlagFreedObject),
		{name: NoLeakedObject, exp: statespace.Always, holds: func(v View) bool {
			for ag, p := range c.progs {
				if len(p.nodes[c.pcOf(v.b, ag)]) != 0 {
					return true // not the end
				}
			}
			for o := range c.spec.Life.Objects {
				if v.lifeLeaked(o) {
					return false
				}
			}
			return true
		}},
	}, c.rcuProps()...)
}

// lifeCallName renders a life-family call: its text's override, or the
// kernel call with its object, and the result.
func (c *core) lifeCallName(call Call, step int) string {
	if !isLifeKind(call.Kind) {
		return fmt.Sprintf("life#%d", call.Kind&0xff)
	}
	ls := &c.spec.Life
	t, note := splitLockText(call.Text)
	if t == "" {
		switch {
		case isRcuKind(call.Kind):
			t = c.rcuCallText(call)
		case call.Kind == lfFdInstall:
			fd := ls.Fds[call.Obj]
			t = fmt.Sprintf("fd_install(%s, %s)", fd.Name, ls.Objects[fd.File].Name)
		case lifeOnFd(call.Kind):
			name := lifeCallDefs[call.Kind&0xff].name
			if call.Kind != lfGetUnusedFd {
				name = "close"
			}
			t = fmt.Sprintf("%s(%s)", name, ls.Fds[call.Obj].Name)
		default:
			name := lifeCallDefs[call.Kind&0xff].name
			if i := len(name) - 4; i > 0 && name[i:i+3] == " = " {
				name = name[:i]
			}
			t = fmt.Sprintf("%s(%s)", name, ls.Objects[call.Obj].Name)
		}
	}
	t += lifeResult[call.Kind]
	if note != "" {
		t += " [" + note + "]"
	}
	return t
}

// lifeResult renders the result a call kind stands for.
var lifeResult = map[CallKind]string{
	lfKrefGetUnlessZero: " = 1", lfKrefGetUnlessZeroNot: " = 0 (the count was zero)",
	lfKrefPut: " = 0", lfKrefPutLast: " = 1 (last reference: release)",
	lfCloseLast: ": last reference, __fput", lfCloseEBADF: " = -EBADF",
}

// lifeDescribe renders the family's objects for traces.
func (c *core) lifeDescribe(v View, add func(name, value string)) {
	if !c.lay.life.used {
		return
	}
	for o, ob := range c.spec.Life.Objects {
		s := fmt.Sprintf("refs %d", v.LifeRefs(o))
		switch {
		case *v.lfObj(o)&lfUnborn != 0:
			s = "not allocated"
		case v.LifeFreed(o):
			s = "freed"
		case v.LifeRefs(o) == 0:
			s = "refs 0 (being released)"
		}
		if v.LifeListed(o) {
			s += ", on " + ob.List
		}
		add(ob.Name, s)
	}
	for fd, d := range c.spec.Life.Fds {
		add("fd "+d.Name, [...]string{"unused", "reserved", "installed: " + c.spec.Life.Objects[d.File].Name}[*v.lfFd(fd)])
	}
	if c.lay.life.slots != 0 || len(c.spec.Life.Slots) > 0 {
		c.rcuDescribe(v, add)
	}
	if v.Flag(FlagFreedObject) {
		add("VIOLATED", "use-after-free (object)")
	}
}

// lifeEnd: a life-family call never waits for another agent but list_del,
// list_for_each_entry, fd_install and close on a slot in the wrong state:
// an agent stopped there is stuck, not done, unless the lock family calls
// every agent idle.
func (c *core) lifeEnd(v View) bool {
	return !c.lay.life.used || c.spec.Locks.d != nil && c.spec.Locks.d.used && v.lkAllIdle()
}
