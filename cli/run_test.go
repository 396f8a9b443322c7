package cli

import "testing"

// A --memory or --spill-threshold size is a byte count with an optional
// binary or decimal unit.
func TestParseSize(t *testing.T) {
	for in, want := range map[string]uint64{
		"1048576": 1 << 20, "512MiB": 512 << 20, "4GB": 4e9, "2g": 2 << 30, "1.5GiB": 3 << 29, "64k": 64 << 10,
	} {
		got, err := parseSize(in)
		if err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1", "0", "lots", "1e30GB", "GB"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
}
