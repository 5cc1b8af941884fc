// Package experiments turns declarative experiment files into simulation
// runs, and runs into result files.
//
// An experiment file is YAML, parsed with go.yaml.in/yaml/v3 (the
// maintained successor of gopkg.in/yaml.v3): a YAML parser is exactly the
// case where a well-kept library beats code of our own, and its yaml.Node
// tree keeps the line of every key, so each error can say where it is.
// Decoding is strict: an unknown key, a value of the wrong type, a
// negative or unparseable duration, an unknown name or an impossible
// combination of settings is an error that names the key path and the
// line, for example
//
//	default.yaml:14: workload.messages.every: bad duration "2h30x": unknown unit "x"
//
// Combinations are checked by driver.Config.Validate, the one place that
// knows them; its key-named errors are mapped back to lines here.
//
// # Keys
//
// Keys left out take the default shown in brackets; a key marked required
// has none. default.yaml in this package (the built-in experiment, see
// Default) spells every key out with comments.
//
//	name            required  results go to <out>/<name>/; letters, digits, '.', '_', '-'
//	description     [""]      free text
//	question        [""]      the one-line question the experiment answers (cgkalab list, reports)
//	quick           [none]    the quick form (see DecodeQuick): dotted key -> value replacing the
//	                          file's, sweep.K for the sweep's key K, null to remove a key
//	protocol        [mls]     protocol under test (driver.Config.Protocol)
//	suite           [1]       cipher suite code point, decimal or hex (0x0001, 0xF001)
//	fidelity        [auto]    full | sampled | scaled | auto
//	auto_threshold  [0]       auto samples above this many initial members (0: driver default)
//	sample          [8]       receivers processing each commit for real in sampled mode; in scaled
//	                          mode also the application messages of each epoch sent for real (the
//	                          rest are accounted: exact bytes and counts, no signature or AEAD)
//	seeds           [[1]]     list of distinct seeds, or a count n meaning 1..n
//	duration        required  virtual time of the run
//	group.initial   required  members at time 0
//	workload.joins, workload.leaves, workload.updates, workload.messages
//	                [process: none]  arrival processes, each a mapping of
//	    process     [poisson] none | periodic | poisson
//	    every       required unless process is none: period or mean gap
//	    per_member  [false]   every is per member instead of group-wide
//	    size        messages only, required when enabled: payload bytes (a distribution)
//	workload.offline
//	    share       [0]       share of members that go offline, in [0, 1]
//	    online      required if share > 0: online session length (seconds distribution)
//	    offline     required if share > 0: offline gap length (seconds distribution)
//	    max_backlog [0]       missed epochs processed on return before rejoining (0: no limit)
//	policy
//	    max_update_age        [0]  remove members that have not updated for this long (0 disables)
//	    retain_epochs         [0]  past epochs members keep for late messages
//	mls             the keys of protocol: mls (and mls-archive)
//	    commit
//	        committer [any]     any | self | designated | admins
//	        admins    [0]       number of admins (members 0..admins-1) for committer: admins
//	        when      [immediate] immediate | periodic | count
//	        every     [0]       commit period, needed for when: periodic
//	        count     [0]       waiting proposals that trigger a commit, for when: count
//	        path      [always]  always | required
//	    updates     [proposal] proposal | commit
//	    key_package_lifetime [30d] lifetime of pre-published KeyPackages when key_packages
//	                          leaves its lifetime out (no effect without key_packages)
//	    key_packages [none]   clients pre-publish KeyPackages (RFC 9420 §10, §16.8); left out,
//	                          each Add gets a fresh one:
//	        batch       required  one-time KeyPackages a client uploads at once (at least 1)
//	        lifetime    [key_package_lifetime] their lifetime; the adder refuses an expired
//	                              one and the client uploads a new batch (key_package_upload)
//	        last_resort [false]   add to each batch one that is reused once the rest is used up
//	                          A compromise reveals a client's unused (and last-resort) init keys;
//	                          a member past max_backlog then rejoins by Welcome as the same client.
//	    evict_by    [member]  member | service: who sends the Removes of idle members
//	                          (policy.max_update_age); service is the delivery service as an
//	                          external sender (RFC 9420 §12.1.8), its Removes committed by a
//	                          member under mls.commit
//	    rejoin      [welcome] welcome | external_commit: how a member past
//	                          workload.offline.max_backlog comes back: removed and added as a
//	                          new client, or by an external commit that removes its old leaf
//	                          (RFC 9420 §12.4.3.2; every committer then publishes a GroupInfo)
//	network.latency [0]       one-way delivery latency (seconds distribution)
//	sweep           [none]    grid of dotted key -> list of values (see below)
//
// Durations are Go durations (300ms, 90m, 1h30m) extended with d for days
// of exactly 24 hours (7d, 1.5d, 1d12h); a bare 0 is also accepted.
// Negative durations are errors.
//
// A distribution is a mapping {dist, value, sigma, alpha, max}: dist is
// fixed (the default), exponential (mean value), lognormal (median value,
// sigma), pareto (minimum value, tail index alpha) or uniform ([value,
// max)); a key that does not apply to the family is an error. A bare
// number, or a bare duration where the unit is seconds, means fixed. In
// seconds distributions value and max may be durations (8h).
//
// # Named experiments
//
// The library (library/*.yaml, embedded: Library, LoadNamed) holds the
// experiments that answer the questions the lab was built for, each with a
// question, comments that say what to look at in its report and what its
// full run costs, and a quick form. cgkalab list shows them.
//
// # Runs
//
// Spec.Expand lists the runs. Without a sweep there is one run per seed,
// with IDs seed=1, seed=2, ... A sweep maps dotted keys (any key above but
// name, description, seeds and sweep) to lists of values; each value
// replaces the key's value in the file, so it is decoded and checked as if
// written there, and errors point at the sweep's line. The runs are the
// cross product of the lists, the first key varying slowest, then the
// seeds. Run IDs are readable and safe as file names:
// initial=1000_every=10m_seed=2, each key shortened to the shortest dotted
// suffix that tells the swept keys apart.
//
// # Results
//
// Runner.RunAll executes runs and writes, per run, into <out>/<name>/:
//
//	<run>.events.csv       one row per metrics.Event, header metrics.Columns
//	<run>.health.csv       one row per metrics.Health sample
//	<run>.compromises.csv  one row per compromise, for runs with compromises
//	<run>.json             the Record: versions, seed, params, resolved config,
//	                       fidelity mode, engine stats, a Summary, the
//	                       experiment's SpecDigest, and the size and SHA-256
//	                       of each of the run's other files
//
// Every file is written atomically (temporary file in the same directory,
// fsync, rename; mode 0666 less the umask), and the JSON last: it marks a
// finished run. A rerun skips a run only if its record matches the run and
// its files still match their digests, so files of two configurations are
// never taken for one run; files of another configuration, or of runs the
// experiment no longer has, are moved into the stale/ subfolder, never
// merged. Selection picks a shard of the runs (job arrays) or the runs of
// given seeds; Merge joins the runs that shards wrote, into one folder or
// several, after checking that every run is there once and that all agree
// on the experiment (SpecDigest) and on their files.
//
// Output is deterministic: the same spec and seeds give byte-identical
// files, except the CPU-time columns and their summaries.
package experiments
