// Package scenarios carries the world files of the built-in scenarios
// (NAME.yaml, one per built-in), so that the checker's binary has them
// wherever it runs. They were generated from the earlier models' built-ins
// before those models were removed (issue 16) and are edited by hand
// since; go test ./scenario holds each to its expectations, and package
// scenario registers each as the built-in NAME.
package scenarios

import (
	"embed"
	"io/fs"
	"strings"
)

//go:embed *.yaml
var files embed.FS

// File is one built-in's world file.
type File struct {
	// Name is the built-in's name: the file's name without .yaml.
	Name string
	// Path is where the file is in the repository (scenarios/NAME.yaml),
	// as errors name it.
	Path string
	Text []byte
}

// Files returns every built-in's world file, sorted by name.
func Files() []File {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		panic("scenarios: the embedded files cannot be listed: " + err.Error()) // embed.FS lists what go:embed put in
	}
	var out []File
	for _, e := range entries {
		text, err := files.ReadFile(e.Name())
		if err != nil {
			panic("scenarios: an embedded file cannot be read: " + err.Error())
		}
		out = append(out, File{Name: strings.TrimSuffix(e.Name(), ".yaml"), Path: "scenarios/" + e.Name(), Text: text})
	}
	return out
}
