package world

import (
	"fmt"
	"slices"
)

// The life family (issue 18, class 1): the lifetimes of reference-counted
// kernel objects and of the fds that publish them. An object is a kref
// (a dma-buf's struct file and its f_count, a GEM object, an importer's
// attachment data, an entry of a global list): its reference count, its
// memory (freed by kfree) and its membership of the one list it may be
// on. An fd is a slot of the process's fd table that publishes one file
// object: get_unused_fd_flags reserves it, fd_install publishes it (the
// table takes over the caller's reference: fs/file.c: fd_install), and
// close() empties it and drops that reference (fput).
//
// The calls are generic, named after the kernel's, and take the object
// or fd; a program says what each stands for with its text
// (deref(gem) as "scanout reads the framebuffer"). kref_put and
// kref_get_unless_zero have a call kind per result (include/linux/kref.h:
// kref_put returns 1 when it released the object, kref_get_unless_zero 0
// when the count was zero), and so does close (not the last reference,
// the last one, -EBADF), so that a program branches on the result as the
// kernel's callers do. The release function the last put calls is the
// program's continuation: list_del, kfree, the puts of what the object
// held.
//
// Any touch of an object after kfree (a get, a put, a deref, a list walk
// reaching it, an fd_install of it), a kref_get on a count that is
// already zero (refcount_t's "addition on 0; use-after-free": the object
// is being released) and a kfree of an object still referenced are
// violations of no-use-after-free, with a trace, never a panic. At the end
// of every program, every object is freed or held by an installed fd:
// no-leaked-object.

// LifeObj is one reference-counted object.
type LifeObj struct {
	Name string
	// Refs is the reference count at the start (1..MaxLifeRefs): the
	// object exists, held by its creator.
	Refs uint8
	// List names the global list the object may be on ("" none): the
	// dma-buf debugfs list (db_list), a dma-buf's attachments, ...
	List string
	// Listed: the object is on its list at the start.
	Listed bool
	// Reuses is 1 + the index of the object whose memory this one is
	// allocated in once that one is freed (SLAB_TYPESAFE_BY_RCU: the same
	// memory, a new identity; rcu.go); 0: its own memory, allocated at
	// the start.
	Reuses int
}

// LifeFd is one slot of the process's fd table, publishing one file
// object.
type LifeFd struct {
	Name string
	// File is the object (LifeSpec.Objects index) the fd publishes.
	File int
}

// LifeSpec declares the life family's objects.
type LifeSpec struct {
	Objects []LifeObj
	Fds     []LifeFd
	// Slots are RCU-protected pointers to objects (rcu.go).
	Slots []LifeSlot
}

// Limits of the life family's state.
const (
	MaxLifeObjects = 8
	MaxLifeFds     = 4
	MaxLifeRefs    = 15
)

func (s *LifeSpec) declared() bool {
	return len(s.Objects) > 0 || len(s.Fds) > 0 || len(s.Slots) > 0
}

func (s *LifeSpec) validate() error {
	switch {
	case len(s.Objects) > MaxLifeObjects:
		return fmt.Errorf("%d life objects; at most %d", len(s.Objects), MaxLifeObjects)
	case len(s.Fds) > MaxLifeFds:
		return fmt.Errorf("%d fds; at most %d", len(s.Fds), MaxLifeFds)
	}
	for i, o := range s.Objects {
		switch {
		case o.Name == "":
			return fmt.Errorf("life object %d has no name", i)
		case slices.ContainsFunc(s.Objects[:i], func(x LifeObj) bool { return x.Name == o.Name }):
			return fmt.Errorf("life object name %q used twice", o.Name)
		case o.Refs < 1 || o.Refs > MaxLifeRefs:
			return fmt.Errorf("object %s: refs must be 1..%d, not %d", o.Name, MaxLifeRefs, o.Refs)
		case o.Listed && o.List == "":
			return fmt.Errorf("object %s: listed without a list", o.Name)
		}
	}
	for i, fd := range s.Fds {
		switch {
		case fd.Name == "":
			return fmt.Errorf("fd %d has no name", i)
		case slices.ContainsFunc(s.Fds[:i], func(x LifeFd) bool { return x.Name == fd.Name }):
			return fmt.Errorf("fd name %q used twice", fd.Name)
		case fd.File < 0 || fd.File >= len(s.Objects):
			return fmt.Errorf("fd %s: file %d out of range", fd.Name, fd.File)
		}
	}
	return s.validateRcu()
}

// Calls of the life family.
const (
	lfKrefGet              CallKind = famLife<<8 | iota // kref_get
	lfKrefGetUnlessZero                                 // kref_get_unless_zero = 1
	lfKrefGetUnlessZeroNot                              // kref_get_unless_zero = 0 (the count was zero)
	lfKrefPut                                           // kref_put = 0 (not the last reference)
	lfKrefPutLast                                       // kref_put = 1 (the last: release runs)
	lfKfree                                             // kfree: the release frees the object's memory
	lfDeref                                             // a read or write through a pointer to the object
	lfListAdd                                           // list_add onto the object's list
	lfListDel                                           // list_del from it
	lfListWalk                                          // list_for_each_entry reaches the object
	lfGetUnusedFd                                       // get_unused_fd_flags: reserve the fd's slot
	lfFdInstall                                         // fd_install: publish the file in the slot
	lfClose                                             // close(fd): fput, not the last reference
	lfCloseLast                                         // close(fd): fput of the last reference, __fput
	lfCloseEBADF                                        // close(fd) = -EBADF: nothing installed there
	lfSlabAlloc                                         // kmem_cache_alloc: a fence in another's freed memory (rcu.go)
	lfRcuAssign                                         // rcu_assign_pointer(slot, object)
	lfRcuDeref                                          // rcu_dereference(slot): the reader loads the pointer
	lfFenceGetRcu                                       // dma_fence_get_rcu = the fence (kref_get_unless_zero on the loaded memory)
	lfFenceGetRcuNull                                   // dma_fence_get_rcu = NULL (the count there was zero)
	lfRcuRecheck                                        // rcu_access_pointer(slot) == fence: the re-check holds
	lfRcuRecheckNot                                     // rcu_access_pointer(slot) != fence: put and retry
	lfRcuUse                                            // the reader uses its fence as the slot's
	lfRcuPut                                            // dma_fence_put of the reader's fence
	lfEnd
)

// lifeOnFd says which calls take an fd (the others take an object).
func lifeOnFd(k CallKind) bool { return k >= lfGetUnusedFd && k <= lfCloseEBADF }

var lifeCallDefs = [lfEnd & 0xff]callDef{
	lfKrefGet & 0xff:              {name: "kref_get", kernel: "include/linux/kref.h: kref_get (refcount_inc: \"addition on 0; use-after-free\")", steps: 1},
	lfKrefGetUnlessZero & 0xff:    {name: "kref_get_unless_zero = 1", kernel: "include/linux/kref.h: kref_get_unless_zero", steps: 1},
	lfKrefGetUnlessZeroNot & 0xff: {name: "kref_get_unless_zero = 0", kernel: "include/linux/kref.h: kref_get_unless_zero (the count was zero: the object is being released)", steps: 1},
	lfKrefPut & 0xff:              {name: "kref_put = 0", kernel: "include/linux/kref.h: kref_put", steps: 1},
	lfKrefPutLast & 0xff:          {name: "kref_put = 1", kernel: "include/linux/kref.h: kref_put (the last reference: release(kref) runs in the caller)", steps: 1},
	lfKfree & 0xff:                {name: "kfree", kernel: "mm/slub.c: kfree", steps: 1},
	lfDeref & 0xff:                {name: "deref", kernel: "a load or store through a pointer to the object", steps: 1},
	lfListAdd & 0xff:              {name: "list_add", kernel: "include/linux/list.h: list_add", steps: 1},
	lfListDel & 0xff:              {name: "list_del", kernel: "include/linux/list.h: list_del", steps: 1},
	lfListWalk & 0xff:             {name: "list_for_each_entry", kernel: "include/linux/list.h: list_for_each_entry (the walk reaches the entry)", steps: 1},
	lfGetUnusedFd & 0xff:          {name: "get_unused_fd_flags", kernel: "fs/file.c: get_unused_fd_flags", steps: 1},
	lfFdInstall & 0xff:            {name: "fd_install", kernel: "fs/file.c: fd_install (the table takes over the caller's reference)", steps: 1},
	lfClose & 0xff:                {name: "close", kernel: "fs/open.c: close → fs/file.c: file_close_fd, filp_flush, fput", steps: 1},
	lfCloseLast & 0xff:            {name: "close: last reference, __fput", kernel: "fs/file_table.c: fput → __fput (f_op->release)", steps: 1},
	lfCloseEBADF & 0xff:           {name: "close = -EBADF", kernel: "fs/open.c: close (file_close_fd finds no file)", steps: 1},
	lfSlabAlloc & 0xff:            rcuCallDefs[0],
	lfRcuAssign & 0xff:            rcuCallDefs[1],
	lfRcuDeref & 0xff:             rcuCallDefs[2],
	lfFenceGetRcu & 0xff:          rcuCallDefs[3],
	lfFenceGetRcuNull & 0xff:      rcuCallDefs[4],
	lfRcuRecheck & 0xff:           rcuCallDefs[5],
	lfRcuRecheckNot & 0xff:        rcuCallDefs[6],
	lfRcuUse & 0xff:               rcuCallDefs[7],
	lfRcuPut & 0xff:               rcuCallDefs[8],
}

// Lf makes the life family's calls: Lf.KrefGet(o), Lf.FdInstall(fd), ...
var Lf lifeCalls

// lifeCalls is the namespace of the life family's call constructors.
type lifeCalls struct{}

// KrefGet is kref_get(o).
func (lifeCalls) KrefGet(o int) Call { return Call{Kind: lfKrefGet, Obj: o} }

// KrefGetUnlessZero is kref_get_unless_zero(o) returning 1.
func (lifeCalls) KrefGetUnlessZero(o int) Call { return Call{Kind: lfKrefGetUnlessZero, Obj: o} }

// KrefGetUnlessZeroNot is kref_get_unless_zero(o) returning 0.
func (lifeCalls) KrefGetUnlessZeroNot(o int) Call { return Call{Kind: lfKrefGetUnlessZeroNot, Obj: o} }

// KrefPut is kref_put(o) returning 0.
func (lifeCalls) KrefPut(o int) Call { return Call{Kind: lfKrefPut, Obj: o} }

// KrefPutLast is kref_put(o) returning 1.
func (lifeCalls) KrefPutLast(o int) Call { return Call{Kind: lfKrefPutLast, Obj: o} }

// Kfree is kfree(o).
func (lifeCalls) Kfree(o int) Call { return Call{Kind: lfKfree, Obj: o} }

// Deref is a load or store through a pointer to o.
func (lifeCalls) Deref(o int) Call { return Call{Kind: lfDeref, Obj: o} }

// ListAdd is list_add(o) onto o's list.
func (lifeCalls) ListAdd(o int) Call { return Call{Kind: lfListAdd, Obj: o} }

// ListDel is list_del(o).
func (lifeCalls) ListDel(o int) Call { return Call{Kind: lfListDel, Obj: o} }

// ListWalk is a list walk reaching o.
func (lifeCalls) ListWalk(o int) Call { return Call{Kind: lfListWalk, Obj: o} }

// GetUnusedFd is get_unused_fd_flags for fd slot fd.
func (lifeCalls) GetUnusedFd(fd int) Call { return Call{Kind: lfGetUnusedFd, Obj: fd} }

// FdInstall is fd_install(fd, its file).
func (lifeCalls) FdInstall(fd int) Call { return Call{Kind: lfFdInstall, Obj: fd} }

// Close is close(fd) dropping a reference that is not the last.
func (lifeCalls) Close(fd int) Call { return Call{Kind: lfClose, Obj: fd} }

// CloseLast is close(fd) dropping the file's last reference.
func (lifeCalls) CloseLast(fd int) Call { return Call{Kind: lfCloseLast, Obj: fd} }

// CloseEBADF is close(fd) on a slot with nothing installed.
func (lifeCalls) CloseEBADF(fd int) Call { return Call{Kind: lfCloseEBADF, Obj: fd} }

func isLifeKind(k CallKind) bool { return familyOf(k) == famLife && k < lfEnd }

// lifeCheckCall rejects a call naming objects the world does not have.
func (c *core) lifeCheckCall(call Call) error {
	ls := &c.spec.Life
	if !isLifeKind(call.Kind) {
		return fmt.Errorf("unknown life call %d", call.Kind&0xff)
	}
	name := lifeCallDefs[call.Kind&0xff].name
	if isRcuKind(call.Kind) {
		return c.rcuCheckCall(call, name)
	}
	if call.Dev != 0 || call.Line != 0 || call.Dir != 0 || call.N != 0 {
		return fmt.Errorf("%s: a life-family call takes one object or fd", name)
	}
	if lifeOnFd(call.Kind) {
		if call.Obj < 0 || call.Obj >= len(ls.Fds) {
			return fmt.Errorf("%s: fd %d out of range", name, call.Obj)
		}
		return nil
	}
	if call.Obj < 0 || call.Obj >= len(ls.Objects) {
		return fmt.Errorf("%s: object %d out of range", name, call.Obj)
	}
	switch call.Kind {
	case lfListAdd, lfListDel, lfListWalk:
		if ls.Objects[call.Obj].List == "" {
			return fmt.Errorf("%s: object %s is on no list (declare its list)", name, ls.Objects[call.Obj].Name)
		}
	}
	return nil
}
