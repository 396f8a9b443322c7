package statespace

import (
	"fmt"
	"os"
	"reflect"
	"unsafe"
)

// Spilling (Options.SpillDir) moves the states of the BFS levels, the
// largest transient of the search, to files. While a level is built, each
// shard keeps at most spillAt of its new states in memory: when it has
// that many it appends them, as raw bytes, to its file for the level and
// starts again. At the end of the level, a shard that wrote anything writes
// the rest too, and its file becomes the one its states are expanded from;
// the expansion reads each round's slice of the level into a window (the
// next round's is read while the current one is expanded). What stays in
// memory is the visited set, the parent links, the keys of the level being
// built (16 bytes per state) and the windows.
//
// Spilling changes where states wait, never which states are explored or
// in which order they are ranked, so results are those of an in-memory run.
// Every file is removed from the directory as soon as it is created (its
// space is freed when it is closed, at the latest when the process exits,
// even if it is killed), inside a directory of the run that is removed at
// the end.

// defaultSpillThreshold is Options.SpillThreshold when neither it nor a
// memory budget is given.
const defaultSpillThreshold = 256 << 20

// shardSpill is one shard's spill files.
type shardSpill struct {
	w   *os.File // the level being built, or nil while it is all in memory
	r   *os.File // the level being expanded, or nil if it is in memory
	err error    // the first write error
	// written counts the bytes written to w, all the bytes this shard
	// ever spilled.
	written uint64
}

// pointerFree reports whether values of t hold no pointer, so that their
// bytes can be written to a file and read back.
func pointerFree(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return true
	case reflect.Array:
		return t.Len() == 0 || pointerFree(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if !pointerFree(t.Field(i).Type) {
				return false
			}
		}
		return true
	}
	return false
}

// setupSpill validates the spill options and creates the run's directory.
func (c *checker[S]) setupSpill() error {
	if c.opt.SpillDir == "" {
		return nil
	}
	if c.opt.FullState {
		return fmt.Errorf("statespace: spilling the BFS levels to disk saves nothing in full-state mode, which keeps every state in memory; use one or the other")
	}
	if t := reflect.TypeFor[S](); !pointerFree(t) {
		return fmt.Errorf("statespace: state type %s holds pointers; it cannot be spilled to disk", t)
	}
	dir, err := os.MkdirTemp(c.opt.SpillDir, "dmabufcheck-spill-")
	if err != nil {
		return fmt.Errorf("statespace: spill directory: %v", err)
	}
	c.spillDir = dir
	th := c.opt.SpillThreshold
	if th == 0 {
		th = defaultSpillThreshold
		if c.opt.MemoryBudget > 0 {
			th = c.opt.MemoryBudget / 64
		}
	}
	size := uint64(unsafe.Sizeof(*new(S)))
	at := max(1, th/numShards/size)
	for k := range c.shards {
		c.shards[k].spillAt = int(min(at, 1<<30))
		c.shards[k].spillDir = dir
	}
	return nil
}

// cleanupSpill closes every spill file and removes the run's directory.
func (c *checker[S]) cleanupSpill() {
	if c.spillDir == "" {
		return
	}
	for k := range c.shards {
		sp := &c.shards[k].spill
		for _, f := range []*os.File{sp.w, sp.r} {
			if f != nil {
				f.Close()
			}
		}
		sp.w, sp.r = nil, nil
	}
	os.RemoveAll(c.spillDir)
}

func stateBytes[S any](s []S) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), uintptr(len(s))*unsafe.Sizeof(s[0]))
}

// flush appends the in-memory states of the level being built to the
// shard's file (created on first use) and empties them.
func (sh *shard[S]) flush(dir string) {
	sp := &sh.spill
	if sp.err == nil && sp.w == nil {
		sp.w, sp.err = os.CreateTemp(dir, "level-*")
		if sp.err == nil {
			sp.err = os.Remove(sp.w.Name())
		}
	}
	q := &sh.next.states
	for i := 0; sp.err == nil && i < q.n; i += levelChunkLen {
		b := stateBytes(q.chunks[i>>levelChunkBits][:min(levelChunkLen, q.n-i)])
		_, sp.err = sp.w.Write(b)
		sp.written += uint64(len(b))
	}
	q.clear(&sh.pools.states)
}

// settleSpill, at the end of a level, moves the rest of a spilled level to
// its file and makes that file the one to expand from.
func (sh *shard[S]) settleSpill(dir string) {
	sp := &sh.spill
	if sp.r != nil {
		sp.r.Close()
		sp.r = nil
	}
	if sp.w == nil {
		return
	}
	sh.flush(dir)
	sp.r, sp.w = sp.w, nil
}

// levelOnDisk reports whether some shard expands the current level from
// its file.
func (c *checker[S]) levelOnDisk() bool {
	for k := range c.shards {
		if c.shards[k].spill.r != nil {
			return true
		}
	}
	return false
}

// readWindow fills win with the states start, start+1, ... of the current
// level (numbered across shards), from memory or from the shards' files.
func (c *checker[S]) readWindow(win []S, start int) error {
	size := int64(unsafe.Sizeof(*new(S)))
	for len(win) > 0 {
		k := 0
		for c.segStart[k+1] <= start {
			k++
		}
		sh := &c.shards[k]
		e := start - c.segStart[k]
		n := min(len(win), c.segStart[k+1]-start)
		if sh.spill.r == nil {
			sh.cur.states.copyOut(win[:n], e)
		} else if _, err := sh.spill.r.ReadAt(stateBytes(win[:n]), int64(e)*size); err != nil {
			return fmt.Errorf("reading spilled states back: %v", err)
		}
		win, start = win[n:], start+n
	}
	return nil
}

// spillError returns the first spill write error of any shard.
func (c *checker[S]) spillError() error {
	for k := range c.shards {
		if err := c.shards[k].spill.err; err != nil {
			return fmt.Errorf("writing spilled states: %v", err)
		}
	}
	return nil
}
