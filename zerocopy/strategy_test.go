package zerocopy

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestParseStrategy(t *testing.T) {
	cases := []struct {
		in   string
		want Strategy
		ok   bool
	}{
		{"sendfile", Sendfile, true},
		{"splice", Splice, true},
		{"copy", Copy, true},
		{"mmap", Mmap, true},
		{"SendFile", Sendfile, true},
		{"", 0, false},
		{"zerocopy", 0, false},
		{"send file", 0, false},
	}
	for _, tc := range cases {
		got, err := ParseStrategy(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseStrategy(%q) = %v, %v", tc.in, got, err)
		}
		if tc.ok && !strings.EqualFold(got.String(), tc.in) {
			t.Errorf("%v.String() does not round-trip %q", got, tc.in)
		}
	}
	if got := Strategy(7).String(); got != "Strategy(7)" {
		t.Errorf("invalid strategy prints %q", got)
	}
	if got := Reason(-1).String(); got != "Reason(-1)" {
		t.Errorf("invalid reason prints %q", got)
	}
}

func TestStatsSnapshot(t *testing.T) {
	var st Stats
	st.Fallback(FallbackSigned)
	st.Fallback(FallbackSigned)
	st.Fallback(FallbackNotRegular)
	st.Fallback(Reason(42)) // ignored
	st.by[Splice].splice.Add(3)
	st.by[Splice].fileBytes.Add(4096)
	snap := st.Snapshot()
	if snap.Fallback(FallbackSigned) != 2 || snap.Fallback(FallbackNotRegular) != 1 || snap.Fallback(FallbackSmall) != 0 {
		t.Errorf("fallbacks %v", snap.Fallbacks)
	}
	if c := snap.Strategy(Splice); c.Splice != 3 || c.FileBytes != 4096 {
		t.Errorf("splice counters %+v", c)
	}
	const want = "splice{file_bytes=4096 splice=3} fallback_signed=2 fallback_not_regular=1"
	if got := snap.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	var buf bytes.Buffer
	logger := zerolog.New(&buf)
	logger.Info().EmbedObject(snap).Send()
	const wantLog = `{"level":"info","splice":{"file_bytes":4096,"splice":3},"fallback_signed":2,"fallback_not_regular":1}` + "\n"
	if buf.String() != wantLog {
		t.Errorf("log = %s, want %s", buf.String(), wantLog)
	}
	// With READ responses counted, the log adds the system calls per READ.
	st.by[Sendfile].responses.Add(3)
	st.by[Sendfile].sendfile.Add(4)
	buf.Reset()
	logger.Info().Object("sendfile", st.Snapshot().Strategy(Sendfile)).Send()
	const wantPerRead = `{"level":"info","sendfile":{"responses":3,"sendfile":4,"sendfile_per_read":1.33}}` + "\n"
	if buf.String() != wantPerRead {
		t.Errorf("log = %s, want %s", buf.String(), wantPerRead)
	}
	// Snapshots are copies.
	st.by[Splice].splice.Add(1)
	if snap.Strategy(Splice).Splice != 3 {
		t.Error("snapshot changed with the live counters")
	}
}
