package world

import "slices"

// The life family's file form: its calls by their kernel names, with a
// result where the kernel's decides what the caller does next, and the
// atoms of its objects.
//
//	kref_get(gem)
//	kref_get_unless_zero(buf)        // = 1 (also written "= 1")
//	kref_get_unless_zero(buf) = 0    // the count was zero
//	kref_put(gem)                    // = 0 (also written "= 0")
//	kref_put(gem) = 1                // the last reference: the release follows
//	kfree(gem)
//	deref(gem) as "scanout reads the framebuffer's pages"
//	list_add(buf)  list_del(buf)  list_for_each_entry(buf)
//	get_unused_fd_flags(fd)  fd_install(fd)
//	close(fd)  __fput(fd)  close(fd) = -EBADF
//
// Like the lock family's, any call may carry its program's own words:
// kref_put(gem) = 1 as "DRM_IOCTL_GEM_CLOSE: drm_gem_object_put".

func lifeObjectNames(ok func(LifeObj) bool) func(s *Spec) []string {
	return func(s *Spec) []string {
		var out []string
		for _, o := range s.Life.Objects {
			if ok(o) {
				out = append(out, o.Name)
			}
		}
		return out
	}
}

func lifeFdNames(s *Spec) []string {
	var out []string
	for _, fd := range s.Life.Fds {
		out = append(out, fd.Name)
	}
	return out
}

// argLifeObjOf is an object that satisfies ok, in Call.Obj.
func argLifeObjOf(what string, ok func(LifeObj) bool) Arg {
	return Arg{Form: "OBJECT", What: what, Names: lifeObjectNames(ok),
		Parse: func(s *Spec, t string) (int, bool) {
			i := slices.IndexFunc(s.Life.Objects, func(o LifeObj) bool { return o.Name == t })
			return i, i >= 0 && ok(s.Life.Objects[i])
		},
		Set: func(c *Call, v int) { c.Obj = v }, Get: func(c Call) int { return c.Obj },
		Format: func(s *Spec, v int) string { return nameAt(lifeObjectNames(anyLifeObj)(s), v) }}
}

func anyLifeObj(LifeObj) bool { return true }

// The life family's arguments.
var (
	argLifeObj    = argLifeObjOf("an object (life: objects)", anyLifeObj)
	argLifeListed = argLifeObjOf("an object declared with a list", func(o LifeObj) bool { return o.List != "" })
	argLifeFd     = argNamed("FD", "an fd (life: fds)", lifeFdNames, false)
)

// lifeSyntaxes are the life family's calls as scenario files write them.
var lifeSyntaxes = []Syntax{
	{Name: "kref_get", Kind: lfKrefGet, Args: []Arg{argLifeObj}, Help: "takes a reference; on a zero count (the release has begun) a use after free"},
	{Name: "kref_get_unless_zero", Kind: lfKrefGetUnlessZero, Args: []Arg{argLifeObj}, Help: "the count was not zero: a reference taken (returns 1)"},
	{Name: "kref_get_unless_zero", Kind: lfKrefGetUnlessZero, Args: []Arg{argLifeObj}, Result: "1"},
	{Name: "kref_get_unless_zero", Kind: lfKrefGetUnlessZeroNot, Args: []Arg{argLifeObj}, Result: "0", Help: "the count was zero: the object is being released; no reference"},
	{Name: "kref_put", Kind: lfKrefPut, Args: []Arg{argLifeObj}, Help: "not the last reference (returns 0)"},
	{Name: "kref_put", Kind: lfKrefPut, Args: []Arg{argLifeObj}, Result: "0"},
	{Name: "kref_put", Kind: lfKrefPutLast, Args: []Arg{argLifeObj}, Result: "1", Help: "the last reference: the release runs, as the program's next calls (list_del, kfree, ...)"},
	{Name: "kfree", Kind: lfKfree, Args: []Arg{argLifeObj}, Help: "the release frees the object; a freed object must not be touched again"},
	{Name: "deref", Kind: lfDeref, Args: []Arg{argLifeObj}, Help: `a load or store through a pointer to the object; its text names it: deref(gem) as "scanout reads gem's pages"`},
	{Name: "list_add", Kind: lfListAdd, Args: []Arg{argLifeListed}, Help: "onto the object's list"},
	{Name: "list_del", Kind: lfListDel, Args: []Arg{argLifeListed}, Help: "from the object's list (waits until it is on it)"},
	{Name: "list_for_each_entry", Kind: lfListWalk, Args: []Arg{argLifeListed}, Help: "a walk of the object's list reaches it (enabled while it is on the list)"},
	{Name: "get_unused_fd_flags", Kind: lfGetUnusedFd, Args: []Arg{argLifeFd}, Help: "reserves the fd's slot"},
	{Name: "fd_install", Kind: lfFdInstall, Args: []Arg{argLifeFd}, Help: "publishes the fd's file in its reserved slot; the table takes over the caller's reference"},
	{Name: "close", Kind: lfClose, Args: []Arg{argLifeFd}, Help: "empties the slot and drops its reference (fput), not the file's last"},
	{Name: "__fput", Kind: lfCloseLast, Args: []Arg{argLifeFd}, Help: "close(FD) dropping the file's last reference: the release follows, as the program's next calls"},
	{Name: "close", Kind: lfCloseEBADF, Args: []Arg{argLifeFd}, Result: "-EBADF", Help: "nothing is installed in the slot"},
}

// lifeUsed reports whether the world lays out the life family's state.
func lifeUsed(v View) bool { return v.w.lay.life.used }

// lifeAtoms are the life family's atoms: refs(O), freed(O), listed(O),
// installed(FD).
var lifeAtoms = []Atom{
	{Name: "refs", Args: []Arg{argLifeObj}, Help: "the object's reference count", Build: func(t string, a []int, _ []string) Expr {
		o := a[0]
		return Value(t, func(v View) int {
			if !lifeUsed(v) {
				return 0
			}
			return v.LifeRefs(o)
		})
	}},
	{Name: "freed", Args: []Arg{argLifeObj}, Help: "the object was freed (kfree)", Build: func(t string, a []int, _ []string) Expr {
		o := a[0]
		return Pred(t, func(v View) bool { return lifeUsed(v) && v.LifeFreed(o) })
	}},
	{Name: "listed", Args: []Arg{argLifeListed}, Help: "the object is on its list", Build: func(t string, a []int, _ []string) Expr {
		o := a[0]
		return Pred(t, func(v View) bool { return lifeUsed(v) && v.LifeListed(o) })
	}},
	{Name: "installed", Args: []Arg{argLifeFd}, Help: "the fd publishes its file", Build: func(t string, a []int, _ []string) Expr {
		fd := a[0]
		return Pred(t, func(v View) bool { return lifeUsed(v) && v.LifeFdInstalled(fd) })
	}},
}
