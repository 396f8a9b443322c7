package scenario

import (
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/dmabufcheck/dmabufcheck/model/world"
)

// The "life" section of a world file declares the life family's objects
// (world.LifeSpec): reference-counted objects and the fds that publish
// them.
//
//	life:
//	  objects:
//	    - {name: dmabuf, refs: 1}                      # a kref: its count at the start (1..15, default 1)
//	    - {name: entry, list: db_list, listed: true}   # on a global list (listed: on it at the start)
//	  fds:
//	    - {name: fd, file: dmabuf}                     # an fd table slot publishing the object

var (
	lifeSectionFields = []string{"objects", "fds", "slots"}
	lifeObjectFields  = []string{"name", "refs", "list", "listed", "reuses"}
	lifeSlotFields    = []string{"name", "holds"}
	lifeFdFields      = []string{"name", "file"}
)

// lifeSection reads a world file's "life" section into s.Life.
func (f *fileReader) lifeSection(n *yaml.Node, s *world.Spec) {
	m := f.mapping(n, lifeSectionFields)
	ls := &s.Life
	if v, ok := m["objects"]; ok {
		for _, c := range f.items(v, "objects", world.MaxLifeObjects) {
			om := f.mapping(c, lifeObjectFields)
			var taken []string
			for _, o := range ls.Objects {
				taken = append(taken, o.Name)
			}
			o := world.LifeObj{Name: f.objectName(c, om, "object", taken), Refs: 1}
			if r, ok := om["refs"]; ok {
				o.Refs = uint8(f.int(r, 1, world.MaxLifeRefs))
			}
			if l, ok := om["list"]; ok {
				if o.List = f.str(l); o.List == "" {
					f.fail(l, "object %s: a list needs a name", o.Name)
				}
			}
			if l, ok := om["listed"]; ok {
				o.Listed = f.bool(l)
				switch {
				case f.err != nil:
				case !o.Listed:
					f.fail(l, "object %s: listed: false is the default (write it only for an object on its list at the start)", o.Name)
				case o.List == "":
					f.fail(l, "object %s: listed on no list (declare list: NAME)", o.Name)
				}
			}
			if r, ok := om["reuses"]; ok {
				o.Reuses = f.lifeObjectRef(r, ls, "object "+o.Name+": reuses") + 1
			}
			ls.Objects = append(ls.Objects, o)
		}
	}
	if v, ok := m["slots"]; ok {
		for _, c := range f.items(v, "slots", world.MaxLifeObjects) {
			sm := f.mapping(c, lifeSlotFields)
			var taken []string
			for _, sl := range ls.Slots {
				taken = append(taken, sl.Name)
			}
			sl := world.LifeSlot{Name: f.objectName(c, sm, "slot", taken)}
			h, ok := sm["holds"]
			if !ok {
				f.fail(c, "slot %s needs the object it points at (holds: OBJECT)", sl.Name)
			} else {
				sl.Holds = f.lifeObjectRef(h, ls, "slot "+sl.Name)
			}
			ls.Slots = append(ls.Slots, sl)
		}
	}
	if v, ok := m["fds"]; ok {
		for _, c := range f.items(v, "fds", world.MaxLifeFds) {
			fm := f.mapping(c, lifeFdFields)
			var taken []string
			for _, d := range ls.Fds {
				taken = append(taken, d.Name)
			}
			fd := world.LifeFd{Name: f.objectName(c, fm, "fd", taken)}
			file, ok := fm["file"]
			if !ok {
				f.fail(c, "fd %s needs the file object it publishes (file: OBJECT)", fd.Name)
			} else {
				var names []string
				for _, o := range ls.Objects {
					names = append(names, o.Name)
				}
				name := f.str(file)
				if fd.File = slices.Index(names, name); fd.File < 0 && f.err == nil {
					detail := " (the section declares no objects)"
					if len(names) > 0 {
						detail = didYouMean(name, names) + " (want one of: " + strings.Join(names, ", ") + ")"
					}
					f.fail(file, "fd %s: %q is not an object%s", fd.Name, name, detail)
				}
			}
			ls.Fds = append(ls.Fds, fd)
		}
	}
}

// lifeObjectRef reads the name of one of the section's objects.
func (f *fileReader) lifeObjectRef(n *yaml.Node, ls *world.LifeSpec, what string) int {
	var names []string
	for _, o := range ls.Objects {
		names = append(names, o.Name)
	}
	name := f.str(n)
	i := slices.Index(names, name)
	if i < 0 && f.err == nil {
		detail := " (the section declares no objects before it)"
		if len(names) > 0 {
			detail = didYouMean(name, names) + " (want one of: " + strings.Join(names, ", ") + ")"
		}
		f.fail(n, "%s: %q is not an object declared before it%s", what, name, detail)
	}
	return i
}

// writeLifeSection renders s.Life; nil when the spec declares nothing.
func writeLifeSection(s *world.Spec) (*yaml.Node, error) {
	ls := &s.Life
	if len(ls.Objects) == 0 && len(ls.Fds) == 0 && len(ls.Slots) == 0 {
		return nil, nil
	}
	n := mapping()
	flow := func(kv ...string) *yaml.Node {
		m := mapping()
		m.Style = yaml.FlowStyle
		for i := 0; i+1 < len(kv); i += 2 {
			m.Content = append(m.Content, scalar(kv[i]), scalar(kv[i+1]))
		}
		return m
	}
	if len(ls.Objects) > 0 {
		l := sequence()
		for _, o := range ls.Objects {
			kv := []string{"name", o.Name}
			if o.Refs != 1 {
				kv = append(kv, "refs", strconv.Itoa(int(o.Refs)))
			}
			if o.List != "" {
				kv = append(kv, "list", o.List)
			}
			if o.Listed {
				kv = append(kv, "listed", "true")
			}
			if o.Reuses != 0 {
				kv = append(kv, "reuses", ls.Objects[o.Reuses-1].Name)
			}
			l.Content = append(l.Content, flow(kv...))
		}
		n.Content = append(n.Content, scalar("objects"), l)
	}
	if len(ls.Fds) > 0 {
		l := sequence()
		for _, d := range ls.Fds {
			l.Content = append(l.Content, flow("name", d.Name, "file", ls.Objects[d.File].Name))
		}
		n.Content = append(n.Content, scalar("fds"), l)
	}
	if len(ls.Slots) > 0 {
		l := sequence()
		for _, sl := range ls.Slots {
			l.Content = append(l.Content, flow("name", sl.Name, "holds", ls.Objects[sl.Holds].Name))
		}
		n.Content = append(n.Content, scalar("slots"), l)
	}
	return n, nil
}
