package props_test

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/pbt"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// A world's state type is a byte array of the smallest size class that
// holds its layout, known only once the file is read; the generic tools
// (the pbt drivers, statespacetest) need it as a type. generic is what
// the tests do with those tools, one method per call, implemented for
// every size class by sized[S].
type generic interface {
	// expectations gives each property of the world its expectation.
	expectations() map[string]statespace.Expectation
	workerIndependent(t *testing.T, opt statespace.Options, workers ...int)
	rapid(t testing.TB, opt pbt.Options) *pbt.Report
	gopter(t testing.TB, opt pbt.Options) *pbt.Report
	finds(t testing.TB, r *pbt.Report, property string, maxStates uint64) pbt.Exhaustive
	neverEnabled() ([]string, error)
}

// sized is a world as a statespace model over S, with the symmetry
// reduction its spec declares (as world.Check runs it).
type sized[S world.Bytes] struct{ m statespace.Model[S] }

func (s sized[S]) expectations() map[string]statespace.Expectation {
	out := map[string]statespace.Expectation{}
	for _, p := range s.m.Properties() {
		out[p.Name] = p.Expectation
	}
	return out
}

func (s sized[S]) workerIndependent(t *testing.T, opt statespace.Options, workers ...int) {
	t.Helper()
	statespacetest.AssertWorkerIndependent(t, s.m, opt, workers...)
}

func (s sized[S]) rapid(t testing.TB, opt pbt.Options) *pbt.Report {
	t.Helper()
	return pbt.Rapid(t, s.m, opt)
}

func (s sized[S]) gopter(t testing.TB, opt pbt.Options) *pbt.Report {
	t.Helper()
	return pbt.Gopter(t, s.m, opt)
}

func (s sized[S]) finds(t testing.TB, r *pbt.Report, property string, maxStates uint64) pbt.Exhaustive {
	t.Helper()
	return pbt.AssertFinds(t, s.m, r, property, maxStates)
}

func (s sized[S]) neverEnabled() ([]string, error) { return pbt.NeverEnabled(s.m) }

// asSized returns m as a model over S, false when S is not m's size class.
func asSized[S world.Bytes](m *world.Model) (generic, bool) {
	if m.Symmetric() {
		r, err := world.AsReduced[S](m)
		return sized[S]{r}, err == nil
	}
	w, err := world.As[S](m)
	return sized[S]{w}, err == nil
}

// sizeClasses try every state type a world can have.
var sizeClasses = []func(*world.Model) (generic, bool){
	asSized[[16]byte], asSized[[32]byte], asSized[[48]byte], asSized[[64]byte], asSized[[96]byte], asSized[[128]byte],
}

// generic returns the file's world with its state type.
func (f file) generic(t testing.TB) generic {
	t.Helper()
	for _, as := range sizeClasses {
		if g, ok := as(f.m); ok {
			return g
		}
	}
	t.Fatalf("%s: no size class holds its %d-byte state", f.path, f.m.Size())
	return nil
}
