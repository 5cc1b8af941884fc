// Package bench holds cgkalab's performance-regression benchmarks and the
// comparison of protocol operations against the cryptography they perform.
// The same functions back `go test -bench` and `cgkalab bench`.
//
// # Result files
//
// Results are written in the Go benchmark format
// (https://golang.org/design/14313-benchmark-format) with
// golang.org/x/perf/benchfmt, so that benchstat and `cgkalab bench compare`
// read them. A file starts with configuration lines (goos, goarch, cpu, go,
// version, and commit and commit-time where the build recorded them) and
// one "Unit" metadata line per unit saying which direction is better.
// Each result line is one measurement (iterations 1) named by its
// configuration, for example
//
//	BenchmarkCommitCreate/shape=warm/members=4096/suite=0x0001-2 1 797600 ns/commit ...
//
// where the -2 is GOMAXPROCS, as `go test` writes it. The units:
//
//	ns/commit            elapsed time of one commit creation or processing
//	cpu-ns/commit        process CPU time of the same (all cores)
//	crypto-ns/commit     summed time of the step's own cryptographic
//	                     operations replayed one after another (CryptoCost)
//	crypto-cpu-ns/commit process CPU time of the same replay
//	ratio-to-crypto      ns/commit ÷ crypto-ns/commit: the step's overhead
//	                     over its cryptography (below 1 when it encrypts
//	                     on several cores)
//	cpu-ratio-to-crypto  cpu-ns/commit ÷ crypto-cpu-ns/commit: the overhead
//	                     in CPU time, which a busy machine disturbs least
//	path-B/commit        bytes of the encoded UpdatePath
//	B/msg                exact encoded bytes of one MLS message (sizes)
//	events/s             simulated events per second of elapsed time
//	cpu-ns/event         process CPU time per simulated event
//	B/member             live heap at the end of a simulation, less the
//	                     heap before it, per initial member
//	ref-ops/event        CPU time per simulated event in units of the
//	                     reference operation (RefOp), measured in the
//	                     same process: a ratio that travels across machines
//
// Lower is better for every unit except events/s. Byte sizes are exact
// (one value is the truth; any change is significant); times and the
// ratios built on them are noisy and compared with the Mann-Whitney U
// test (benchmath.AssumeNothing). `benchfmt` tidies ns to sec when it
// reads a file, so ns/commit is shown as sec/commit.
package bench
