package explore_test

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/scenario"
)

// Every scenario the CLI knows can be explored, whatever its state type:
// the built-ins (the reference models german and dmabuf-bench among them)
// and every world file of scenarios/, each size class of the world.
func TestEveryScenarioCanBeExplored(t *testing.T) {
	names := scenario.Builtin().Names()
	files, err := filepath.Glob(filepath.Join("..", "scenarios", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario files: %v", err)
	}
	for _, name := range append(names, files...) {
		srv := explorer(t, name)
		v := state(t, srv, "/")
		if len(v.Groups) == 0 || len(v.Verdicts) == 0 {
			t.Errorf("%s: the initial state shows %d groups, %d verdicts", name, len(v.Groups), len(v.Verdicts))
			continue
		}
		if len(v.Enabled) > 0 {
			if w := state(t, srv, v.Enabled[len(v.Enabled)-1].URL); len(w.Path) != 1 {
				t.Errorf("%s: a step leads to path %v", name, w.Path)
			}
		}
		if code, body, _ := get(t, srv, "/"); code != http.StatusOK {
			t.Errorf("%s: GET /: %d %s", name, code, body)
		}
		srv.Close()
	}
}
