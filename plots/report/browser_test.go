package report

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium returns the headless browser's command line for a fresh
// profile, skipping the test where Debian's chromium is not installed
// (.ci/browser installs it; CI runs that script).
func chromium(t *testing.T) (string, []string) {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium not found under CI: .ci/browser installs it")
		}
		t.Skip("chromium not found: run .ci/browser (as root) to install Debian's chromium for this test")
	}
	args := []string{"--headless", "--disable-gpu", "--disable-background-networking", "--no-first-run",
		"--disable-component-update", "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + t.TempDir()}
	if os.Geteuid() == 0 {
		args = append(args, "--no-sandbox") // Chromium refuses to run as root with its sandbox
	}
	return bin, args
}

// runChromium runs the browser with a deadline; its stderr is noisy (no
// D-Bus here), so only the exit status and the output count.
func runChromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// TestBrowser renders the report in headless Chromium: the DOM the
// browser built must hold every figure as an SVG element with drawn
// content, the tables with their rows, and the question; and the
// screenshot must show a page, not a blank.
func TestBrowser(t *testing.T) {
	bin, args := chromium(t)
	dir := synthExperiment(t)
	st := smallStyle()
	if _, err := Write(dir, Options{Style: &st}); err != nil {
		t.Fatal(err)
	}
	url := "file://" + filepath.ToSlash(filepath.Join(dir, HTMLFile))

	dom := string(runChromium(t, bin, append(args, "--dump-dom", url)...))
	count := func(re string) int { return len(regexp.MustCompile(re).FindAllStringIndex(dom, -1)) }
	if n := count(`<svg[ >]`); n != 15 {
		t.Errorf("the browser's DOM holds %d svg elements, want 15 (3 experiment figures, 3 per run)", n)
	}
	if n := count(`<figure[ >]`); n != 15 {
		t.Errorf("%d figure elements, want 15", n)
	}
	// Every figure's SVG was parsed as SVG, with text and paths inside.
	for _, f := range regexp.MustCompile(`(?s)<svg[ >].*?</svg>`).FindAllString(dom, -1) {
		if !strings.Contains(f, "<path") || !strings.Contains(f, "<text") || !strings.Contains(f, "<title>") {
			t.Errorf("an svg element without paths, text or title: %.200s", f)
			break
		}
	}
	if n := count(`<table[ >]`); n != 5 {
		t.Errorf("%d tables, want 5 (settings and runs, each cost and security; configuration)", n)
	}
	// Settings: 2 rows, runs: 4, configuration: 7; each with a header.
	if n := count(`<tr>`); n != 2*3+2*5+8 {
		t.Errorf("%d table rows, want 24", n)
	}
	for _, want := range []string{"How does commit cost grow with the group?", "not reached", "initial=40_seed=2", "Kaplan–Meier"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered page lacks %q", want)
		}
	}

	shot := filepath.Join(t.TempDir(), "report.png")
	runChromium(t, bin, append(args, "--screenshot="+shot, "--window-size=1280,2000", url)...)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 2000 {
		t.Errorf("screenshot %v", b)
	}
	if dark := inkShare(img); dark < 0.01 {
		t.Errorf("screenshot nearly blank: %.4f of pixels drawn", dark)
	}
	if dir := os.Getenv("CGKALAB_SCREENSHOT_DIR"); dir != "" {
		data, _ := os.ReadFile(shot)
		os.WriteFile(filepath.Join(dir, "report.png"), data, 0o644)
	}
}

// inkShare is the share of pixels that are not near white.
func inkShare(img image.Image) float64 {
	b := img.Bounds()
	ink := 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xe000 || g < 0xe000 || bl < 0xe000 {
				ink++
			}
		}
	}
	return float64(ink) / float64((b.Dx()/2)*(b.Dy()/2))
}
