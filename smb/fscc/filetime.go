package fscc

import "time"

// filetimeEpochDelta is the number of 100 ns intervals between 1601-01-01
// and 1970-01-01 (MS-DTYP 2.3.3).
const filetimeEpochDelta = 116444736000000000

// Filetime converts t to a FILETIME: 100 ns intervals since 1601-01-01 UTC
// (MS-FSCC 2.1.1). The zero time.Time and times before 1601 give 0, which
// MS-FSCC reserves for "not specified"; times past the FILETIME range are
// clamped to the largest positive value.
func Filetime(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	sec := t.Unix()
	// Seconds from 1601 to 1970 is 11644473600; a signed 64-bit FILETIME
	// holds about 29227 years of 100 ns ticks.
	const secDelta = filetimeEpochDelta / 10_000_000
	const maxSec = (1<<63-1)/10_000_000 - secDelta
	if sec < -secDelta {
		return 0
	}
	if sec >= maxSec {
		return 1<<63 - 1
	}
	return uint64(sec+secDelta)*10_000_000 + uint64(t.Nanosecond()/100)
}

// TimeFromFiletime converts a FILETIME back to UTC time. 0 maps to the zero
// time.Time so that a round trip through Filetime is lossless for it.
func TimeFromFiletime(ft uint64) time.Time {
	if ft == 0 {
		return time.Time{}
	}
	if ft > 1<<63-1 {
		ft = 1<<63 - 1
	}
	sec := int64(ft/10_000_000) - filetimeEpochDelta/10_000_000
	nsec := int64(ft%10_000_000) * 100
	return time.Unix(sec, nsec).UTC()
}
