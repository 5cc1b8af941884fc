package experiments

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// The library: named experiments shipped with the binary, one file per
// question under library/, each with a question: key, comments that say
// what to look at and what its full run costs, and a quick: section.
// cgkalab list shows them; cgkalab run NAME [--quick] runs one.

//go:embed library/*.yaml
var libraryFS embed.FS

// Named is one experiment of the library.
type Named struct {
	Name     string // the file's name: key, which is also its file name
	Question string
	// File is the name errors in the experiment carry, library/<name>.yaml.
	File string
}

// ErrUnknownExperiment marks a name that is not in the library.
var ErrUnknownExperiment = errors.New("no such named experiment")

// Library lists the named experiments, sorted by name, with their
// questions.
func Library() ([]Named, error) {
	files, err := fs.Glob(libraryFS, "library/*.yaml")
	if err != nil {
		return nil, err
	}
	var out []Named
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".yaml")
		s, err := LoadNamed(name, false)
		if err != nil {
			return nil, err
		}
		out = append(out, Named{Name: name, Question: s.Question, File: f})
	}
	slices.SortFunc(out, func(a, b Named) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// LibraryNames lists the names of the library's experiments, sorted.
func LibraryNames() []string {
	files, _ := fs.Glob(libraryFS, "library/*.yaml") // the pattern is valid
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(path.Base(f), ".yaml"))
	}
	slices.Sort(names)
	return names
}

// LibraryYAML returns the text of the named experiment, a commented file
// to copy and edit; ok is false for a name not in the library.
func LibraryYAML(name string) (data []byte, ok bool) {
	if !slices.Contains(LibraryNames(), name) {
		return nil, false
	}
	b, err := libraryFS.ReadFile("library/" + name + ".yaml")
	return b, err == nil
}

// LoadNamed decodes the named experiment, in its quick form if quick
// (DecodeQuick). A name not in the library gives an error wrapping
// ErrUnknownExperiment.
func LoadNamed(name string, quick bool) (*Spec, error) {
	data, ok := LibraryYAML(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q (the library has %s)", ErrUnknownExperiment, name, strings.Join(LibraryNames(), ", "))
	}
	file := "library/" + name + ".yaml"
	var s *Spec
	var err error
	if quick {
		s, err = DecodeQuick(file, data)
	} else {
		s, err = Decode(file, data)
	}
	if err != nil {
		return nil, err
	}
	want := name
	if quick {
		want += QuickSuffix
	}
	if s.Name != want {
		return nil, &Error{File: file, Key: "name", Msg: fmt.Sprintf("%q, want the file's name %q", s.Name, want)}
	}
	return s, nil
}
