package experiments

import (
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"
)

// Upper bounds on what an experiment file may ask for, checked while
// decoding, so that no file can make the program allocate without bound,
// hang or silently change a value. Each is far beyond any sensible
// experiment on one machine.
const (
	MaxFileBytes     = 1 << 20       // an experiment file
	MaxExpandedNodes = 200_000       // YAML nodes with every alias expanded
	MaxMembers       = 1 << 24       // group.initial, auto_threshold, admins
	MaxSeeds         = 10_000        // seeds: N
	MaxRuns          = 10_000        // grid points × seeds
	MaxSample        = 4096          // receivers that process each message for real
	MaxRunIDBytes    = 180           // a run ID, so that its file names fit in 255 bytes
	MaxCount         = 1 << 30       // counts: retain_epochs, max_backlog, commit count
	MaxMessageBytes  = 1 << 24       // an application message (16 MiB)
	maxNameBytes     = MaxRunIDBytes // an experiment name, a directory
)

// Load reads and decodes the experiment file at path; errors name the
// path as given. A file larger than MaxFileBytes (or a device that never
// ends) is refused after reading that much.
func Load(path string) (*Spec, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return Decode(path, data)
}

// readFile reads an experiment file of at most MaxFileBytes.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > MaxFileBytes {
		return nil, &Error{File: path, Msg: fmt.Sprintf("larger than %d bytes: not an experiment file", MaxFileBytes)}
	}
	return data, nil
}

// expandedSize counts the nodes of n with every alias expanded, stopping
// once the count passes limit (so an alias bomb costs linear time).
func expandedSize(n *yaml.Node, limit int) int {
	memo := map[*yaml.Node]int{} // index only
	var size func(n *yaml.Node) int
	size = func(n *yaml.Node) int {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
			if n == nil {
				return 1
			}
		}
		if s, ok := memo[n]; ok {
			return s
		}
		memo[n] = limit + 1 // a cycle counts as too big
		s := 1
		for _, c := range n.Content {
			if s += size(c); s > limit {
				s = limit + 1
				break
			}
		}
		memo[n] = s
		return s
	}
	return size(n)
}
