package conformance

import (
	"bytes"
	"strconv"
	"testing"
)

// TestCpioNewc writes an archive and reads it back by the newc rules the
// kernel's initramfs unpacker follows: a 110-byte header of "070701" and
// 13 hex fields, the name with its NUL padded to 4 bytes, the data padded
// to 4 bytes, and a TRAILER!!! entry.
func TestCpioNewc(t *testing.T) {
	var buf bytes.Buffer
	c := newCpio(&buf)
	c.Dir("dev")
	c.CharDev("dev/console", 0o600, 5, 1)
	c.File("init", 0o755, []byte("hello"))
	c.File("/lib/x", 0o644, nil)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	type entry struct {
		name             string
		mode, rmaj, rmin int64
		data             string
	}
	var got []entry
	b := buf.Bytes()
	for len(b) > 0 {
		if len(b) < 110 || string(b[:6]) != "070701" {
			t.Fatalf("bad header at %d", buf.Len()-len(b))
		}
		field := func(i int) int64 {
			v, err := strconv.ParseInt(string(b[6+8*i:14+8*i]), 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		mode, size, rmaj, rmin, nameSize := field(1), field(6), field(9), field(10), field(11)
		name := string(b[110 : 110+nameSize-1])
		off := (110 + int(nameSize) + 3) &^ 3
		data := string(b[off : off+int(size)])
		b = b[(off+int(size)+3)&^3:]
		if name == "TRAILER!!!" {
			if len(b) != 0 {
				t.Fatalf("%d bytes after the trailer", len(b))
			}
			break
		}
		got = append(got, entry{name, mode, rmaj, rmin, data})
	}
	want := []entry{
		{"dev", cpioDir | 0o755, 0, 0, ""},
		{"dev/console", cpioChar | 0o600, 5, 1, ""},
		{"init", cpioReg | 0o755, 0, 0, "hello"},
		{"lib/x", cpioReg | 0o644, 0, 0, ""},
	}
	if len(got) != len(want) {
		t.Fatalf("entries %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
