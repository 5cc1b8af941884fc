// Package vectors locates and decodes the official MLS interop test vectors
// (github.com/mlswg/mls-implementations, test-vectors/). The vectors are not
// part of this module: they are read from $CGKALAB_VECTORS, or from
// ../shared/mls-vectors relative to the module root.
package vectors

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// EnvVar names the environment variable that points at the vectors directory.
const EnvVar = "CGKALAB_VECTORS"

// ErrNoDir is returned by Dir when no vectors directory can be found.
var ErrNoDir = errors.New("MLS test vectors not found: set $" + EnvVar +
	" to a directory holding the official test-vectors/*.json files (default ../shared/mls-vectors beside the module root)")

// Dir returns the vectors directory: $CGKALAB_VECTORS if set, else
// ../shared/mls-vectors next to the directory holding go.mod, searched
// upwards from the working directory (tests run inside package folders).
func Dir() (string, error) {
	if d := os.Getenv(EnvVar); d != "" {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return "", fmt.Errorf("$%s=%q is not a directory: %w", EnvVar, d, ErrNoDir)
		}
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", ErrNoDir
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(dir, "..", "shared", "mls-vectors")
			if st, err := os.Stat(d); err == nil && st.IsDir() {
				return d, nil
			}
			return "", ErrNoDir
		}
		if filepath.Dir(dir) == dir {
			return "", ErrNoDir
		}
	}
}

// Decode reads dir/name as JSON into v. Unknown fields are ignored (newer
// vector sets add fields), malformed JSON is an error naming the file.
func Decode(dir, name string, v any) error {
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// Hex is a byte string written in the vectors as lowercase hex.
type Hex []byte

// UnmarshalJSON implements json.Unmarshaler.
func (h *Hex) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*h = nil // absent, as distinct from the empty string
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("hex string: %w", err)
	}
	v, err := hex.DecodeString(s)
	if err != nil {
		return fmt.Errorf("hex string %.20q: %w", s, err)
	}
	if v == nil {
		v = []byte{}
	}
	*h = v
	return nil
}

// MarshalJSON implements json.Marshaler.
func (h Hex) MarshalJSON() ([]byte, error) { return json.Marshal(hex.EncodeToString(h)) }
