package statespace

import (
	"encoding/binary"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
)

// Parent links: for every stored state, the id of the state it was first
// reached from (noParent for an initial state) and the action taken
// (the index in Init() for an initial state). The search needs them only
// while a state's level is being built (improveParent may still change
// them); afterwards they are read only to rebuild a counterexample.
//
// So, as TLC does, the links of finished levels go to a file: once a shard
// holds linkFlushAt settled links in memory, it appends them, 6 bytes each,
// to the run's parent file at the end of the level and forgets them; a
// trace reads its few links back from the file. The file is created on
// first use in Options.ParentDir (default the spill directory, else the
// system's temporary directory) and removed from the directory at once,
// so it is never left behind. Options.ParentsInMemory keeps every link in
// memory instead, as does a run whose file could not be created or
// written (a note says so).

// linkFlushAt is the number of settled links a shard keeps in memory
// before it writes them to the parent file (16,384 per shard: runs of
// fewer than a million states never touch the disk).
const linkFlushAt = 1 << 14

const linkSize = 6 // bytes per link in the file: uint32 parent, uint16 action

// setupLinks decides where the parent links of finished levels go, unless
// a parent file is in use already (useLinkFile).
func (c *checker[S]) setupLinks() error {
	if c.lf != nil {
		return nil
	}
	if c.opt.ParentsInMemory {
		if c.opt.ParentDir != "" {
			return fmt.Errorf("statespace: ParentDir %q is given but ParentsInMemory keeps every parent link in memory; use one or the other", c.opt.ParentDir)
		}
		return nil
	}
	dir := c.opt.ParentDir
	switch {
	case dir != "":
		if fi, err := os.Stat(dir); err != nil {
			return fmt.Errorf("statespace: parent link directory: %v", err)
		} else if !fi.IsDir() {
			return fmt.Errorf("statespace: parent link directory %s is not a directory", dir)
		}
	case c.spillDir != "":
		dir = c.spillDir
	default:
		dir = os.TempDir()
	}
	c.useLinkFile(&linkFile{dir: dir}, linkFlushAt)
	return nil
}

// useLinkFile makes the shards write their settled links to lf once they
// hold flushAt of them.
func (c *checker[S]) useLinkFile(lf *linkFile, flushAt uint32) {
	c.lf = lf
	for k := range c.shards {
		c.shards[k].lf, c.shards[k].flushAt = lf, flushAt
	}
}

// cleanupLinks closes the parent file.
func (c *checker[S]) cleanupLinks() {
	if c.lf != nil {
		c.lf.close()
	}
}

// linkNote says why parent links stayed in memory although they were to go
// to a file, or "".
func (c *checker[S]) linkNote() string {
	if c.lf == nil || c.lf.usable() {
		return ""
	}
	return fmt.Sprintf("parent links were kept in memory from some level on: writing them to a file in %s failed: %v", c.lf.dir, c.lf.err)
}

// links are the parent links of one shard's states, by local id.
type links struct {
	// The links in memory: those of local ids base, base+1, ...
	parent chunked[uint32]
	action chunked[uint16]
	base   uint32
	// segs are the links on disk, in order of local id.
	segs []linkSeg
	buf  []byte // scratch for writing
}

// linkSeg is a run of links in the parent file: local ids first..first+n-1
// at offset off.
type linkSeg struct {
	first, n uint32
	off      int64
}

func (l *links) append(parent uint32, act uint16) {
	l.parent.append(parent)
	l.action.append(act)
}

// end is the local id after the last link.
func (l *links) end() uint32 { return l.base + l.parent.n }

// inMemory returns the link of a state held in memory (one of the level
// being built, at least).
func (l *links) inMemory(local uint32) (uint32, uint16) {
	return l.parent.get(local - l.base), l.action.get(local - l.base)
}

// set replaces the link of a state held in memory.
func (l *links) set(local, parent uint32, act uint16) {
	l.parent.set(local-l.base, parent)
	l.action.set(local-l.base, act)
}

// get returns the link of any stored state, reading it from f if it was
// written there.
func (l *links) get(local uint32, f *linkFile) (uint32, uint16, error) {
	if local >= l.base {
		p, a := l.inMemory(local)
		return p, a, nil
	}
	k, _ := slices.BinarySearchFunc(l.segs, local, func(s linkSeg, id uint32) int {
		switch {
		case s.first+s.n <= id:
			return -1
		case s.first > id:
			return 1
		}
		return 0
	})
	if k == len(l.segs) || l.segs[k].first > local {
		return 0, 0, fmt.Errorf("statespace: the parent link of local id %d is neither in memory nor on disk", local)
	}
	s := l.segs[k]
	var b [linkSize]byte
	if _, err := f.f.ReadAt(b[:], s.off+int64(local-s.first)*linkSize); err != nil {
		return 0, 0, fmt.Errorf("statespace: reading a parent link back: %v", err)
	}
	return binary.LittleEndian.Uint32(b[:]), binary.LittleEndian.Uint16(b[4:]), nil
}

// flush writes the links held in memory, all of settled states, to f and
// forgets them (keeping their chunks for the next levels). created[a]
// counts the states first reached by action a among them. On a write
// error the links stay in memory.
func (l *links) flush(f *linkFile, created []uint64) error {
	n := l.parent.n
	if n == 0 {
		return nil
	}
	off := f.reserve(int64(n) * linkSize)
	for i := uint32(0); i < n; i += chunkLen {
		m := min(chunkLen, n-i)
		if l.buf == nil {
			l.buf = make([]byte, chunkLen*linkSize)
		}
		b := l.buf[:m*linkSize]
		ps, as := l.parent.chunks[i>>chunkBits], l.action.chunks[i>>chunkBits]
		for j := range m {
			binary.LittleEndian.PutUint32(b[j*linkSize:], ps[j])
			binary.LittleEndian.PutUint16(b[j*linkSize+4:], as[j])
		}
		if err := f.write(b, off+int64(i)*linkSize); err != nil {
			return err
		}
	}
	l.segs = append(l.segs, linkSeg{first: l.base, n: n, off: off})
	l.countCreated(created, l.base+n)
	l.base += n
	l.parent.n, l.action.n = 0, 0
	return nil
}

// countCreated adds to created[a], for every link in memory below local id
// end, the states first reached by action a (initial states excepted).
func (l *links) countCreated(created []uint64, end uint32) {
	for i := uint32(0); l.base+i < end && i < l.parent.n; i++ {
		if l.parent.get(i) != noParent {
			created[l.action.get(i)]++
		}
	}
}

// bytes is the memory of the links held in memory.
func (l *links) bytes() uint64 { return l.parent.bytes(4) + l.action.bytes(2) }

// linkFile is the run's parent file, shared by the shards: each reserves
// a range of it and writes there, so shards write concurrently without a
// lock.
type linkFile struct {
	dir string
	mu  sync.Mutex // guards the creation of f, and err
	f   *os.File
	// err, once set, is why links stay in memory from then on.
	err     error
	size    atomic.Int64
	written atomic.Uint64
}

// usable reports whether links may still be written to the file.
func (f *linkFile) usable() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err == nil
}

// reserve returns the offset of n fresh bytes at the end of the file.
func (f *linkFile) reserve(n int64) int64 { return f.size.Add(n) - n }

// write writes b at off, creating the file on first use. A failure is
// recorded: no link is written afterwards.
func (f *linkFile) write(b []byte, off int64) error {
	f.mu.Lock()
	if f.f == nil && f.err == nil {
		f.f, f.err = os.CreateTemp(f.dir, "dmabufcheck-parents-*")
		if f.err == nil {
			if err := os.Remove(f.f.Name()); err != nil {
				f.f.Close()
				f.f, f.err = nil, err
			}
		}
	}
	file, err := f.f, f.err
	f.mu.Unlock()
	if err != nil {
		return err
	}
	if _, err := file.WriteAt(b, off); err != nil {
		f.mu.Lock()
		if f.err == nil {
			f.err = err
		}
		f.mu.Unlock()
		return err
	}
	f.written.Add(uint64(len(b)))
	return nil
}

// close closes the file (already unlinked).
func (f *linkFile) close() {
	if f.f != nil {
		f.f.Close()
		f.f = nil
	}
}
