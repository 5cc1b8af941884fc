package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportShowsFrontier: an experiment that sweeps an update setting
// gets the frontier figure in both reports, first among the experiment's
// figures.
func TestReportShowsFrontier(t *testing.T) {
	dir := synthExperiment(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b = []byte(strings.Replace(string(b), `"key": "group.initial"`, `"key": "workload.updates.every"`, 1))
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Write(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	html, _ := os.ReadFile(filepath.Join(dir, HTMLFile))
	page := string(html)
	at := strings.Index(page, `<figure class="frontier">`)
	if at < 0 {
		t.Fatal("report.html has no frontier figure")
	}
	if healing := strings.Index(page, `<figure class="healing">`); healing >= 0 && healing < at {
		t.Error("the frontier comes after the healing curves")
	}
	if !strings.Contains(page[at:], "Cost against post-compromise security") {
		t.Error("the frontier figure has no caption")
	}
	md, _ := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if !strings.Contains(string(md), "](plots/frontier.png)") {
		t.Error("report.md does not show plots/frontier.png")
	}
}
