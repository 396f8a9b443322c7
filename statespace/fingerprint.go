package statespace

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/zeebo/xxh3"
)

// hasher computes stable 64-bit fingerprints of states of type S.
//
// When S is plain memory (fixed-size integers and booleans, arrays and
// structs of them, without padding) the fingerprint is XXH3-64 of its bytes:
// a published, seedless algorithm, so a fingerprint written to a trace file
// means the same thing in another process (on a machine of the same byte
// order). Otherwise the model must implement Fingerprinter.
type hasher[S comparable] struct {
	size   uintptr
	custom Fingerprinter[S]
}

func newHasher[S comparable](m Model[S]) (hasher[S], error) {
	if f, ok := m.(Fingerprinter[S]); ok {
		return hasher[S]{custom: f}, nil
	}
	t := reflect.TypeFor[S]()
	if err := plainMemory(t, t.String()); err != nil {
		return hasher[S]{}, fmt.Errorf("statespace: state type %s cannot be fingerprinted as raw memory (%v); implement Fingerprinter", t, err)
	}
	if t.Size() == 0 {
		return hasher[S]{}, fmt.Errorf("statespace: state type %s has size 0", t)
	}
	return hasher[S]{size: t.Size()}, nil
}

// fingerprint returns the stable fingerprint of *s.
func (h *hasher[S]) fingerprint(s *S) uint64 {
	if h.custom != nil {
		return h.custom.Fingerprint(s)
	}
	return xxh3.Hash(unsafe.Slice((*byte)(unsafe.Pointer(s)), h.size))
}

// plainMemory reports why t's in-memory bytes are not a canonical encoding of
// its value, or nil if they are: no pointers, no floats (whose == differs
// from bit equality) and no padding bytes.
func plainMemory(t reflect.Type, path string) error {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return nil
	case reflect.Array:
		return plainMemory(t.Elem(), path+"[i]")
	case reflect.Struct:
		var sum uintptr
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Name == "_" {
				return fmt.Errorf("%s has a blank field", path)
			}
			if err := plainMemory(f.Type, path+"."+f.Name); err != nil {
				return err
			}
			if f.Offset != sum {
				return fmt.Errorf("%s has padding before field %s", path, f.Name)
			}
			sum += f.Type.Size()
		}
		if sum != t.Size() {
			return fmt.Errorf("%s has %d bytes of trailing padding", path, t.Size()-sum)
		}
		return nil
	default:
		return fmt.Errorf("%s is of kind %s", path, t.Kind())
	}
}
