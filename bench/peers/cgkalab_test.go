package peers

import (
	"io"
	"testing"
)

// TestRunCgkalab runs every scenario at n = 8 and checks what the run
// itself cannot: the sizes and shapes of its results.
func TestRunCgkalab(t *testing.T) {
	rs, err := RunCgkalab([]int{8}, 2, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != len(Scenarios) {
		t.Fatalf("got %d results, want %d", len(rs), len(Scenarios))
	}
	for i, r := range rs {
		if r.Scenario != Scenarios[i] || r.N != 8 {
			t.Errorf("result %d is %s n=%d, want %s n=8", i, r.Scenario, r.N, Scenarios[i])
		}
		if len(r.Create.Wall) != 2 || len(r.Process.Wall) != 2 || len(r.Create.CPU) != 2 || len(r.Process.CPU) != 2 {
			t.Errorf("%s: want 2 runs of each timing, got %+v %+v", r.Scenario, r.Create, r.Process)
		}
		if r.CommitBytes <= 0 {
			t.Errorf("%s: commit bytes %d", r.Scenario, r.CommitBytes)
		}
		if (r.WelcomeBytes > 0) != (r.Scenario == Build) {
			t.Errorf("%s: Welcome bytes %d", r.Scenario, r.WelcomeBytes)
		}
	}
	// A full-path commit in the built tree encrypts to more nodes than in
	// the warm one (n/2 leaves of the blank half against one node per
	// level), so it is longer.
	if rs[1].CommitBytes <= rs[2].CommitBytes {
		t.Errorf("built commit (%d bytes) is not longer than warm commit (%d bytes)", rs[1].CommitBytes, rs[2].CommitBytes)
	}
}

func TestRunCgkalabRejectsSizes(t *testing.T) {
	for _, n := range []int{2, 6, 0} {
		if _, err := RunCgkalab([]int{n}, 1, io.Discard); err == nil {
			t.Errorf("n=%d: no error", n)
		}
	}
}

func TestWarmOrder(t *testing.T) {
	for _, n := range []int{4, 8, 64, 4096} {
		order := WarmOrder(n)
		if len(order) != n/2-1 {
			t.Errorf("n=%d: %d commits, want %d", n, len(order), n/2-1)
		}
		seen := map[int]bool{}
		for _, i := range order {
			if i <= 0 || i >= n || i%2 != 0 || seen[i] {
				t.Errorf("n=%d: leaf %d in the order is odd, out of range or repeated", n, i)
			}
			seen[i] = true
		}
	}
	want := []int{4, 2, 6}
	if got := WarmOrder(8); len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("WarmOrder(8) = %v, want %v", got, want)
	}
}
