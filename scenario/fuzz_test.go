package scenario

import "testing"

// FuzzParseSettings feeds arbitrary --set values to every scenario's
// parameter parser: it returns values or an error, never panics, and the
// values it accepts print back to settings it accepts again.
func FuzzParseSettings(f *testing.F) {
	for _, s := range []string{"nodes=3", "importers=2", "bad=true", "arch=x86", "lines=2", "writes=3", "rule=pre-2022", "=", "nodes", "nodes=-1", "x=y=z", "nodes=99999999999999999999"} {
		f.Add(s, "")
	}
	reg := Builtin()
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, sc := range reg.All() {
			v, err := sc.Parse([]string{a, b})
			if err != nil {
				continue
			}
			if _, err := sc.Parse(Settings(v.Map())); err != nil {
				t.Fatalf("%s: %q %q parsed to %s, which does not parse again: %v", sc.Name, a, b, v, err)
			}
		}
	})
}
