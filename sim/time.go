package sim

import (
	"math"
	"time"
)

// Time is virtual time in nanoseconds. As an instant it counts from the
// start of the run (Time 0); as a span it is the distance between two
// instants, like time.Duration, so 3*Hour and now+5*Minute read as
// expected. The range (about 292 years) is far beyond any run.
//
// Time has nothing to do with the wall clock: it advances only when the
// Engine pops an event.
type Time int64

// Units of virtual time. Day is exactly 24 hours: the simulation has no
// calendar, time zones or leap seconds.
const (
	Nanosecond  Time = 1
	Microsecond      = 1000 * Nanosecond
	Millisecond      = 1000 * Microsecond
	Second           = 1000 * Millisecond
	Minute           = 60 * Second
	Hour             = 60 * Minute
	Day              = 24 * Hour
)

// Forever is the largest Time. It serves as "no horizon" for Engine.Run and
// as the censoring value for something that never happens in a run.
const Forever Time = math.MaxInt64

// FromDuration converts a time.Duration to the same span of virtual time.
func FromDuration(d time.Duration) Time { return Time(d) }

// Duration returns t as a time.Duration (same nanosecond count).
func (t Time) Duration() time.Duration { return time.Duration(t) }

// FromSeconds converts a number of seconds, such as a draw from
// Exponential, to virtual time, rounding to the nearest nanosecond.
// Values beyond the range of Time saturate at Forever or -Forever, so a
// heavy-tailed draw cannot wrap around into the past; NaN yields Forever.
func FromSeconds(s float64) Time {
	ns := math.Round(s * float64(Second))
	switch {
	case ns != ns, ns >= math.MaxInt64: // NaN, or too large
		return Forever
	case ns <= -math.MaxInt64:
		return -Forever
	}
	return Time(ns)
}

// Seconds returns t as a floating-point number of seconds.
func (t Time) Seconds() float64 {
	sec, nsec := t/Second, t%Second
	return float64(sec) + float64(nsec)/1e9
}

// Hours returns t as a floating-point number of hours.
func (t Time) Hours() float64 {
	hour, nsec := t/Hour, t%Hour
	return float64(hour) + float64(nsec)/(60*60*1e9)
}

// String formats t for people. Spans of a second or more print from the
// largest non-zero unit down to seconds, with every unit after the first
// padded to two digits and the fraction of a second trimmed:
// "4.5s", "3m04.5s", "2h03m04.5s", "1d02h03m04.5s", "3d00h00m00s".
// Shorter spans print like time.Duration ("250ms", "1.5µs", "0s").
// Forever prints as "forever".
func (t Time) String() string {
	if t == Forever {
		return "forever"
	}
	if t > -Second && t < Second {
		return time.Duration(t).String()
	}
	var buf [40]byte
	b := buf[:0]
	u := uint64(t) // magnitude; correct for math.MinInt64 too
	if t < 0 {
		b = append(b, '-')
		u = -u
	}
	const sec = uint64(Second)
	frac := u % sec
	s := u / sec
	days, s := s/86400, s%86400
	hours, s := s/3600, s%3600
	mins, secs := s/60, s%60

	lead := true // no unit printed yet: the next one is not padded
	unit := func(v uint64, c byte) {
		if lead && v == 0 {
			return
		}
		if !lead && v < 10 {
			b = append(b, '0')
		}
		b = append(appendUint(b, v), c)
		lead = false
	}
	unit(days, 'd')
	unit(hours, 'h')
	unit(mins, 'm')
	if !lead && secs < 10 {
		b = append(b, '0')
	}
	b = appendUint(b, secs)
	if frac != 0 {
		var digits [9]byte
		for i := 8; i >= 0; i-- {
			digits[i] = byte('0' + frac%10)
			frac /= 10
		}
		n := 9
		for digits[n-1] == '0' {
			n--
		}
		b = append(b, '.')
		b = append(b, digits[:n]...)
	}
	b = append(b, 's')
	return string(b)
}

func appendUint(b []byte, v uint64) []byte {
	var d [20]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, d[i:]...)
}
