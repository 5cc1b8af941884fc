package peers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrNoNode is returned when node is not on the PATH.
var ErrNoNode = errors.New("node (Node.js) not found on PATH")

// Harness runs harness.mjs, the ts-mls side, with node.
type Harness struct {
	Dir  string // holds harness.mjs, package.json, package-lock.json, node_modules/
	Node string // the node executable
}

// NewHarness finds node on the PATH and the harness directory: dir if
// given, else bench/peers under the working directory or one of its
// parents (the repository root).
func NewHarness(dir string) (*Harness, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoNode, err)
	}
	if dir == "" {
		if dir, err = locateDir(); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "harness.mjs")); err != nil {
		return nil, fmt.Errorf("peers: no harness in %s: %w", dir, err)
	}
	return &Harness{Dir: dir, Node: node}, nil
}

func locateDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		for _, cand := range []string{filepath.Join(d, "bench", "peers"), d} {
			if _, err := os.Stat(filepath.Join(cand, "harness.mjs")); err == nil {
				return cand, nil
			}
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("peers: found no bench/peers/harness.mjs in %s or its parents; run from the repository or pass --dir", wd)
		}
	}
}

// PinnedVersion returns the ts-mls version package.json pins.
func (h *Harness) PinnedVersion() (string, error) {
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	data, err := os.ReadFile(filepath.Join(h.Dir, "package.json"))
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		return "", fmt.Errorf("peers: %s/package.json: %w", h.Dir, err)
	}
	v := pkg.Dependencies["ts-mls"]
	if v == "" {
		return "", fmt.Errorf("peers: %s/package.json does not depend on ts-mls", h.Dir)
	}
	return v, nil
}

// Installed reports whether node_modules holds ts-mls.
func (h *Harness) Installed() bool {
	_, err := os.Stat(filepath.Join(h.Dir, "node_modules", "ts-mls", "package.json"))
	return err == nil
}

// EnsureModules runs `npm ci` (the versions package-lock.json pins) when
// node_modules lacks ts-mls, its output going to log.
func (h *Harness) EnsureModules(ctx context.Context, log io.Writer) error {
	if h.Installed() {
		return nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("peers: %s/node_modules is missing and npm is not on PATH (install npm, then run bench/peers/install.sh): %w", h.Dir, err)
	}
	fmt.Fprintf(log, "bench peers: %s/node_modules is missing: running npm ci (installs the versions package-lock.json pins)\n", h.Dir)
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = h.Dir
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("peers: npm ci in %s: %w", h.Dir, err)
	}
	return nil
}

// Run runs the harness for the given sizes, runs times each, the warm
// scenario only up to warmMax members. The harness's stderr (its progress)
// goes to progress; each is called for every result as it arrives.
func (h *Harness) Run(ctx context.Context, sizes []int, runs, warmMax int, progress io.Writer, each func(Result)) (Meta, []Result, error) {
	strs := make([]string, len(sizes))
	for i, n := range sizes {
		strs[i] = strconv.Itoa(n)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.Node, "--expose-gc", "harness.mjs",
		"--sizes", strings.Join(strs, ","), "--runs", strconv.Itoa(runs), "--warm-max", strconv.Itoa(warmMax))
	cmd.Dir = h.Dir
	cmd.Stderr = progress
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return Meta{}, nil, err
	}
	if err := cmd.Start(); err != nil {
		return Meta{}, nil, fmt.Errorf("peers: starting %s harness.mjs: %w", h.Node, err)
	}
	meta, res, readErr := ReadResults(stdout, each)
	if readErr != nil {
		cancel() // a harness whose output cannot be trusted is stopped
	}
	waitErr := cmd.Wait()
	switch {
	case readErr != nil && waitErr != nil:
		// The exit status (or the kill above) says why the output broke off.
		return meta, res, fmt.Errorf("peers: ts-mls harness (%v): %w", waitErr, readErr)
	case readErr != nil:
		return meta, res, fmt.Errorf("peers: ts-mls harness: %w", readErr)
	case waitErr != nil:
		return meta, res, fmt.Errorf("peers: ts-mls harness: %w", waitErr)
	}
	pinned, err := h.PinnedVersion()
	if err != nil {
		return meta, res, err
	}
	if meta.Version != pinned {
		return meta, res, fmt.Errorf("peers: node_modules holds ts-mls %s but package.json pins %s: run npm ci in %s", meta.Version, pinned, h.Dir)
	}
	return meta, res, nil
}
