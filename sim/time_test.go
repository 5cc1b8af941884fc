package sim

import (
	"math"
	"testing"
	"time"
)

func TestTimeString(t *testing.T) {
	for _, tc := range []struct {
		t    Time
		want string
	}{
		{0, "0s"},
		{7 * Nanosecond, "7ns"},
		{1500 * Nanosecond, "1.5µs"},
		{250 * Millisecond, "250ms"},
		{Second, "1s"},
		{4*Second + 500*Millisecond, "4.5s"},
		{90 * Second, "1m30s"},
		{3*Minute + 4*Second + 500*Millisecond, "3m04.5s"},
		{Hour, "1h00m00s"},
		{2*Hour + 3*Minute + 4*Second + 500*Millisecond, "2h03m04.5s"},
		{Day + 2*Hour + 3*Minute + 4*Second + 500*Millisecond, "1d02h03m04.5s"},
		{3 * Day, "3d00h00m00s"},
		{400*Day + Second + Nanosecond, "400d00h00m01.000000001s"},
		{-(Hour + 30*Minute), "-1h30m00s"},
		{-250 * Millisecond, "-250ms"},
		{Forever, "forever"},
		{math.MinInt64, "-106751d23h47m16.854775808s"},
	} {
		if got := tc.t.String(); got != tc.want {
			t.Errorf("Time(%d).String() = %q, want %q", int64(tc.t), got, tc.want)
		}
	}
}

func TestTimeConversions(t *testing.T) {
	if got := FromDuration(90 * time.Minute); got != 90*Minute {
		t.Errorf("FromDuration(90m) = %v, want 1h30m00s", got)
	}
	if got := (36 * Hour).Duration(); got != 36*time.Hour {
		t.Errorf("(36h).Duration() = %v", got)
	}
	if got := (36 * Hour).Hours(); got != 36 {
		t.Errorf("(36h).Hours() = %v", got)
	}
	if got := (1500 * Millisecond).Seconds(); got != 1.5 {
		t.Errorf("(1.5s).Seconds() = %v", got)
	}
	for _, tc := range []struct {
		s    float64
		want Time
	}{
		{1.5, 1500 * Millisecond},
		{1e-9, Nanosecond},
		{0.4e-9, 0},
		{-2, -2 * Second},
		{86400, Day},
		{1e300, Forever},
		{math.Inf(1), Forever},
		{math.Inf(-1), -Forever},
		{math.NaN(), Forever},
	} {
		if got := FromSeconds(tc.s); got != tc.want {
			t.Errorf("FromSeconds(%v) = %v, want %v", tc.s, got, tc.want)
		}
	}
}
