package peers

import (
	"strings"
	"testing"
	"time"
)

func TestWriteTable(t *testing.T) {
	ms := func(d ...time.Duration) []time.Duration {
		for i := range d {
			d[i] *= time.Millisecond
		}
		return d
	}
	ours := []Result{
		{Scenario: Build, N: 8, Create: Timing{ms(2, 1, 3), ms(2, 1, 3)}, Process: Timing{ms(1), ms(1)}, CommitBytes: 2121, WelcomeBytes: 1049},
		{Scenario: Warm, N: 8, Create: Timing{ms(1), ms(1)}, Process: Timing{ms(1), ms(1)}, CommitBytes: 709},
		{Scenario: Warm, N: 4096, Create: Timing{ms(4), ms(4)}, Process: Timing{ms(1), ms(1)}, CommitBytes: 1770},
	}
	theirs := []Result{
		{Scenario: Build, N: 8, Create: Timing{ms(50), ms(40)}, Process: Timing{ms(3), ms(3)}, CommitBytes: 2121, WelcomeBytes: 1049},
		{Scenario: Warm, N: 8, Create: Timing{ms(3), ms(2)}, Process: Timing{ms(4), ms(4)}, CommitBytes: 709},
	}
	var b strings.Builder
	WriteTable(&b, "ts-mls", ours, theirs)
	out := b.String()
	for _, want := range []string{
		"scenario  members  metric               cgkalab       ts-mls      ratio",
		"build           8  build                    2ms         50ms     25.00x",
		"build           8  build CPU                2ms         40ms     20.00x",
		"build           8  Welcome bytes           1049         1049      1.00x",
		"warm            8  process                  1ms          4ms      4.00x",
		"warm         4096  create                   4ms            -          -",
		"warm         4096  commit bytes            1770            -          -",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "warm            8  Welcome") {
		t.Errorf("a commit without Adds got a Welcome row:\n%s", out)
	}
	if !strings.Contains(out, "\n\nwarm         4096") {
		t.Errorf("no blank line between sizes:\n%s", out)
	}
}
