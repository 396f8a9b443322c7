package scenarios

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The binary carries exactly the files of the directory, as they are.
func TestFilesAreTheDirectorysYAMLFiles(t *testing.T) {
	disk, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := Files()
	if len(got) != len(disk) || len(got) == 0 {
		t.Fatalf("%d files embedded, %d in the directory", len(got), len(disk))
	}
	for i, f := range got {
		if f.Path != "scenarios/"+disk[i] || f.Name+".yaml" != disk[i] {
			t.Errorf("file %d is %s (%s), the directory's is %s", i, f.Path, f.Name, disk[i])
		}
		text, err := os.ReadFile(disk[i])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(text, f.Text) {
			t.Errorf("%s: the embedded text is not the file's (rebuild)", f.Path)
		}
	}
}
