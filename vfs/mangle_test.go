package vfs

import (
	"strings"
	"testing"
)

// TestMangleLikeSamba: the names smbd 4.17.12 (Debian) listed for these names on disk, with its
// default `mangle prefix = 1` and with 3; the same names opened the same files on both servers.
func TestMangleLikeSamba(t *testing.T) {
	for _, tt := range []struct{ disk, prefix1, prefix3 string }{
		{".hid:den", "_GOGO0~J", "_HIGO0~J"},
		{"AUX", "AHY9U3~9", "AUX9U3~9"},
		{"MiXeD:CaSe.TxT", "MAGP9T~S.TXT", "MIXP9T~S.TXT"},
		{"Prn.x", "PITWVK~3.X", "PRNWVK~3.X"},
		{"a.b.c:d.e", "AU25XS~X.E", "A_B5XS~X.E"},
		{"a.b:c", "A7C8QL~V", "A_B8QL~V"},
		{"a:b.html", "A7JGOS~V", "A_BGOS~V"},
		{"back\\slash.txt", "BAYTAM~F.TXT", "BACTAM~F.TXT"},
		{"colon:name.txt", "C69YSY~1.TXT", "COLYSY~1.TXT"},
		{"con.txt", "CSHOFG~F.TXT", "CONOFG~F.TXT"},
		{"ctl\x01char", "C1YRFB~H", "CTLRFB~H"},
		{"lpt1.tar.gz", "L5LA3V~3.GZ", "LPTA3V~3.GZ"},
		{"lt<gt>", "LCP6P9~8", "LT_6P9~8"},
		{"nul.", "NER5DF~8", "NUL5DF~8"},
		{"pipe|x", "PA6KRC~L", "PIPKRC~L"},
		{"q?mark", "QG8JV3~I", "Q_MJV3~I"},
		{"quote\".txt", "QLMSSD~7.TXT", "QUOSSD~7.TXT"},
		{"star*.txt", "S6XG2W~P.TXT", "STAG2W~P.TXT"},
		{"trailing space ", "TIXEP6~1", "TRAEP6~1"},
		{"trailingdot.", "TKHODF~4", "TRAODF~4"},
		{"x:y", "X7PK8A~S", "X_YK8A~S"},
		{"ß:straße.doc", "_CR97Y~K.DOC", "___97Y~K.DOC"},
		{"é:x.txt", "_I8RYO~F.TXT", "___RYO~F.TXT"},
		{"ñ?.ÑX", "_MATDC~6", "___TDC~6"},
		{"ünï:cödé.txt", "_Q9OQC~Y.TXT", "__NOQC~Y.TXT"},
	} {
		if !mustMangle(tt.disk) {
			t.Errorf("mustMangle(%q) = false", tt.disk)
		}
		if got := mangle(tt.disk, 1); got != tt.prefix1 {
			t.Errorf("mangle(%q, 1) = %q, smbd %q", tt.disk, got, tt.prefix1)
		}
		if got := mangle(tt.disk, 3); got != tt.prefix3 {
			t.Errorf("mangle(%q, 3) = %q, smbd %q", tt.disk, got, tt.prefix3)
		}
	}
	// Names smbd listed as they are.
	for _, name := range []string{".", "..", "ok.txt", "com10.txt", "ünïcödé.txt", "AUXX", "conx.txt", "a.b", ".hidden", " lead"} {
		if mustMangle(name) {
			t.Errorf("mustMangle(%q) = true", name)
		}
	}
}

// FuzzMangle: any name mangles to a valid 8.3 name with '~' as its seventh character, whose
// characters are letters, digits, _-$~ and one dot; the name's ASCII case does not change it.
func FuzzMangle(f *testing.F) {
	for _, s := range []string{"colon:name.txt", "", ".", "a.b.c", "ünï:cödé.txt", "x.\xff", "\xc3"} {
		f.Add(s, 1)
	}
	f.Fuzz(func(t *testing.T, name string, prefix int) {
		m := mangle(name, prefix)
		stem, ext, dotted := strings.Cut(m, ".")
		if len(stem) != 8 || stem[6] != '~' || dotted && (len(ext) < 1 || len(ext) > 3) {
			t.Fatalf("mangle(%q, %d) = %q", name, prefix, m)
		}
		for i := 0; i < len(stem+ext); i++ {
			if c := (stem + ext)[i]; !mangleChar(c) || 'a' <= c && c <= 'z' {
				t.Fatalf("mangle(%q, %d) = %q: %q", name, prefix, m, c)
			}
		}
		if lower := asciiLower(name); mangle(lower, prefix) != m {
			t.Fatalf("mangle(%q) = %q but mangle(%q) = %q", name, m, lower, mangle(lower, prefix))
		}
	})
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
