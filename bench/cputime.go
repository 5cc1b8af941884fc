package bench

import "syscall"

// CPUTime returns the CPU time the process has used (all threads), in
// nanoseconds. Unlike elapsed time, it counts work on every core, so an
// operation that encrypts on two goroutines is charged for both. On Linux
// it reads CLOCK_PROCESS_CPUTIME_ID, which has nanosecond resolution;
// elsewhere getrusage, whose resolution is the scheduler tick.
func CPUTime() int64 {
	if t, ok := processClock(); ok {
		return t
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
