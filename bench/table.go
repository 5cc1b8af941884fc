package bench

import (
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"

	"cgkalab/models/suite"
	"cgkalab/models/treekem"
)

// TreeRow is one line of the tree benchmark table.
type TreeRow struct {
	Shape            TreeShape
	N                int
	Create, CreateCr time.Duration // median commit creation, and its cryptography
	Process, ProcCr  time.Duration
	// CreateCPU and ProcessCPU are the medians of process CPU time (all
	// cores), and CreateCrCPU and ProcCrCPU those of the replay: the fair
	// comparison, on a busy machine too.
	CreateCPU, ProcessCPU  time.Duration
	CreateCrCPU, ProcCrCPU time.Duration
	CommitBytes            int // encoded UpdatePath
	// Samples are the runs the medians are taken over, in order.
	Samples []TreeSample
}

// TreeSample is one run of commit creation and processing: elapsed and
// process CPU time, and the same of the replay of its cryptography.
type TreeSample struct {
	Create, CreateCPU, CreateCr, CreateCrCPU time.Duration
	Process, ProcessCPU, ProcCr, ProcCrCPU   time.Duration
}

// TreeTable measures commit creation and processing for each size and
// shape, runs times each (median reported), writing a progress line per
// cell to progress.
func TreeTable(s *suite.Suite, sizes []int, shapes []TreeShape, runs int, progress io.Writer) ([]TreeRow, error) {
	var rows []TreeRow
	for _, shape := range shapes {
		for _, n := range sizes {
			fmt.Fprintf(progress, "bench tree: %s n=%d: building fixture\n", shape, n)
			f, err := NewTreeFixture(s, n, shape, 1)
			if err != nil {
				return nil, err
			}
			before := f.Tree.Clone()
			rng := rand.NewChaCha8(seedBytes(2))
			row := TreeRow{Shape: shape, N: n}
			var create, createCr, proc, procCr, createCPU, procCPU, createCrCPU, procCrCPU []time.Duration
			var up *treekem.UpdatePath
			var ctx []byte
			fmt.Fprintf(progress, "bench tree: %s n=%d: %d runs\n", shape, n, runs)
			runtime.GC() // collect the fixture's garbage before CPU time counts
			for range runs {
				start, cpu := time.Now(), CPUTime()
				u, ops, c, err := f.Create(rng)
				if err != nil {
					return nil, err
				}
				create = append(create, time.Since(start))
				createCPU = append(createCPU, time.Duration(CPUTime()-cpu))
				cr, crCPU, err := CryptoCost(s, ops, len(c))
				if err != nil {
					return nil, err
				}
				createCr, createCrCPU = append(createCr, cr), append(createCrCPU, crCPU)
				up, ctx = u, c
			}
			row.CommitBytes = len(up.Bytes())
			// The receiver holds the tree from before the sender's commits:
			// they changed only the sender's path, which merging re-sets,
			// so the last path merges onto it as onto its own base.
			for range runs {
				start, cpu := time.Now(), CPUTime()
				ops, err := f.Process(before, up, ctx)
				if err != nil {
					return nil, err
				}
				proc = append(proc, time.Since(start))
				procCPU = append(procCPU, time.Duration(CPUTime()-cpu))
				cr, crCPU, err := CryptoCost(s, ops, len(ctx))
				if err != nil {
					return nil, err
				}
				procCr, procCrCPU = append(procCr, cr), append(procCrCPU, crCPU)
			}
			for i := range runs {
				row.Samples = append(row.Samples, TreeSample{create[i], createCPU[i], createCr[i], createCrCPU[i], proc[i], procCPU[i], procCr[i], procCrCPU[i]})
			}
			row.Create, row.CreateCr = median(create), median(createCr)
			row.Process, row.ProcCr = median(proc), median(procCr)
			row.CreateCPU, row.ProcessCPU = median(createCPU), median(procCPU)
			row.CreateCrCPU, row.ProcCrCPU = median(createCrCPU), median(procCrCPU)
			rows = append(rows, row)
		}
	}
	return rows, nil
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// WriteTreeTable prints rows as an aligned text table.
func WriteTreeTable(w io.Writer, rows []TreeRow) {
	fmt.Fprintf(w, "%-6s %9s %12s %12s %12s %8s %9s %12s %12s %8s %12s\n",
		"shape", "members", "create", "create CPU", "its crypto", "ratio", "CPU ratio", "process", "its crypto", "ratio", "path bytes")
	for _, r := range rows {
		fmt.Fprintf(w, "%-6s %9d %12s %12s %12s %7.2fx %8.2fx %12s %12s %7.2fx %12d\n",
			r.Shape, r.N, round(r.Create), round(r.CreateCPU), round(r.CreateCr), float64(r.Create)/float64(r.CreateCr),
			float64(r.CreateCPU)/float64(r.CreateCrCPU),
			round(r.Process), round(r.ProcCr), float64(r.Process)/float64(r.ProcCr), r.CommitBytes)
	}
}

func round(d time.Duration) time.Duration {
	switch {
	case d > time.Second:
		return d.Round(time.Millisecond)
	case d > time.Millisecond:
		return d.Round(time.Microsecond)
	}
	return d.Round(100 * time.Nanosecond)
}
