//go:build !linux

package bench

func processClock() (int64, bool) { return 0, false }
