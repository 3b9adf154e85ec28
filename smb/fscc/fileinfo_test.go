package fscc

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestFiletime(t *testing.T) {
	tests := []struct {
		t  time.Time
		ft uint64
	}{
		{time.Unix(0, 0), 116444736000000000}, // MS-DTYP 2.3.3: 1970 in FILETIME
		{time.Date(1601, 1, 1, 0, 0, 0, 100, time.UTC), 1},
		// hello.txt's birth time and the CreationTime Samba sent for it.
		{time.Date(2026, 11, 28, 4, 48, 12, 812994500, time.UTC), helloTime},
		{time.Date(2026, 11, 28, 5, 48, 12, 812994500, time.FixedZone("CET", 3600)), helloTime},
	}
	for _, tt := range tests {
		if got := Filetime(tt.t); got != tt.ft {
			t.Errorf("Filetime(%v) = %#x, want %#x", tt.t, got, tt.ft)
		}
		if got := TimeFromFiletime(tt.ft); !got.Equal(tt.t) {
			t.Errorf("TimeFromFiletime(%#x) = %v, want %v", tt.ft, got, tt.t)
		}
	}
	// Sub-100ns precision is dropped, not rounded.
	if got := Filetime(time.Unix(0, 199)); got != 116444736000000001 {
		t.Errorf("Filetime(199ns) = %d", got)
	}
	if Filetime(time.Time{}) != 0 || !TimeFromFiletime(0).IsZero() {
		t.Error("zero time must map to FILETIME 0 and back")
	}
	if got := Filetime(time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC)); got != 0 {
		t.Errorf("before 1601: %d", got)
	}
	if got := Filetime(time.Date(40000, 1, 1, 0, 0, 0, 0, time.UTC)); got != 1<<63-1 {
		t.Errorf("past range: %#x", got)
	}
	if got := TimeFromFiletime(1<<64 - 1); got.Year() < 30000 {
		t.Errorf("huge FILETIME gave %v", got)
	}
}

// distinct is a File whose every field has a different value, so a field in
// the wrong place shows in the bytes.
var distinct = File{
	Name: "Dir", CreationTime: 0x0101010101010101, LastAccessTime: 0x0202020202020202, LastWriteTime: 0x0303030303030303,
	ChangeTime: 0x0404040404040404, EndOfFile: 0x0505050505, AllocationSize: 0x0606060606, Attributes: 0x07,
	FileID: 0x0808080808080808, NumberOfLinks: 9, DeletePending: true, EASize: 0x0a,
}

var distinctOpen = Open{AccessMask: 0x001f01ff, Position: 0x0b0b, Mode: 0x20, Path: `a\b`}

// TestFileInfoLayout checks every class against bytes laid out by hand from
// the MS-FSCC 2.4 diagrams.
func TestFileInfoLayout(t *testing.T) {
	const times = "0101010101010101 0202020202020202 0303030303030303 0404040404040404"
	tests := []struct {
		class uint8
		want  string
	}{
		{FileBasicInformation, times + "07000000 00000000"},
		{FileStandardInformation, "0606060606000000 0505050505000000 09000000 01 00 0000"},
		{FileInternalInformation, "0808080808080808"},
		{FileEaInformation, "0a000000"},
		{FileAccessInformation, "ff011f00"},
		{FileNameInformation, `08000000 5c00 6100 5c00 6200`},
		{FileNormalizedNameInformation, `06000000 6100 5c00 6200`}, // no leading backslash
		{FilePositionInformation, "0b0b000000000000"},
		{FileModeInformation, "20000000"},
		{FileAlignmentInformation, "00000000"},
		{FileAllInformation, times + "07000000 00000000" + "0606060606000000 0505050505000000 09000000 01 00 0000" +
			"0808080808080808 0a000000 ff011f00 0b0b000000000000 20000000 00000000 08000000 5c00 6100 5c00 6200"},
		{FileAlternateNameInformation, "06000000 4400 6900 7200"},
		{FileStreamInformation, "00000000 0e000000 0505050505000000 0606060606000000 3a003a002400440041005400 4100"},
		{FileCompressionInformation, "0505050505000000 0000 00 00 00 000000"},
		{FileNetworkOpenInformation, times + "0606060606000000 0505050505000000 07000000 00000000"},
		{FileAttributeTagInformation, "07000000 00000000"},
	}
	for _, tt := range tests {
		got, err := FileInfo(tt.class, distinct, distinctOpen, 4096)
		if err != nil {
			t.Fatalf("class %d: %v", tt.class, err)
		}
		if want := unhex(t, tt.want); !bytes.Equal(got, want) {
			t.Errorf("class %d:\n got %x\nwant %x", tt.class, got, want)
		}
	}
}

// TestFileInfoBoundaries checks every class at 0, its minimum minus one,
// its minimum, the full length minus one, the full length and one more.
func TestFileInfoBoundaries(t *testing.T) {
	o := Open{Path: `dir\file.txt`} // 13 characters with the leading '\'
	f := File{Name: "file.txt", EndOfFile: 1}
	const name = 26
	tests := []struct {
		class     uint8
		min, full int
		cut       func(maxLen int) int // length returned below full; nil: whole entries only
	}{
		{FileBasicInformation, 40, 40, nil},
		{FileStandardInformation, 24, 24, nil},
		{FileInternalInformation, 8, 8, nil},
		{FileEaInformation, 4, 4, nil},
		{FileAccessInformation, 4, 4, nil},
		{FilePositionInformation, 8, 8, nil},
		{FileModeInformation, 4, 4, nil},
		{FileAlignmentInformation, 4, 4, nil},
		{FileCompressionInformation, 16, 16, nil},
		{FileNetworkOpenInformation, 56, 56, nil},
		{FileAttributeTagInformation, 8, 8, nil},
		{FileNameInformation, 8, 4 + name, func(m int) int { return 4 + (m-4)&^1 }},
		{FileNormalizedNameInformation, 8, 4 + name - 2, func(m int) int { return 4 + (m-4)&^1 }},
		{FileAlternateNameInformation, 8, 4 + 16, func(m int) int { return 4 + (m-4)&^1 }},
		{FileAllInformation, 104, 100 + name, func(m int) int { return 100 + (m-100)&^1 }},
		{FileStreamInformation, 32, 38, func(int) int { return 0 }},
	}
	for _, tt := range tests {
		for _, maxLen := range []int{-1, 0, tt.min - 1, tt.min, tt.min + 1, tt.full - 1, tt.full, tt.full + 1, 1 << 20} {
			got, err := FileInfo(tt.class, f, o, maxLen)
			name := fmt.Sprintf("class %d maxLen %d", tt.class, maxLen)
			full, ferr := FileInfo(tt.class, f, o, 1<<20)
			if ferr != nil || len(full) != tt.full {
				t.Fatalf("%s: full answer %d bytes, %v", name, len(full), ferr)
			}
			switch {
			case maxLen < tt.min:
				if !errors.Is(err, ErrInfoLength) || got != nil {
					t.Errorf("%s: got %d bytes, %v; want ErrInfoLength", name, len(got), err)
				}
			case maxLen >= tt.full:
				if err != nil || !bytes.Equal(got, full) {
					t.Errorf("%s: got %d bytes, %v; want all %d", name, len(got), err, tt.full)
				}
			default:
				want := tt.cut(maxLen)
				if !errors.Is(err, ErrBufferOverflow) || len(got) != want || len(got) > maxLen || !bytes.Equal(got, full[:want]) {
					t.Errorf("%s: got %d bytes, %v; want %d-byte prefix with ErrBufferOverflow", name, len(got), err, want)
				}
			}
		}
	}
}

// TestNameTruncation keeps FileNameLength at the full length so a client
// can size its retry (MS-FSA 2.1.5.12.19), and never splits a UTF-16 unit.
func TestNameTruncation(t *testing.T) {
	o := Open{Path: "\U0001F600é"} // "\" + surrogate pair + é: 8 bytes
	got, err := FileInfo(FileNameInformation, File{}, o, 11)
	if !errors.Is(err, ErrBufferOverflow) || !bytes.Equal(got, unhex(t, "08000000 5c00 3dd8 00de")[:10]) {
		t.Errorf("got %x, %v", got, err)
	}
	got, err = FileInfo(FileNameInformation, File{}, o, 12)
	if err != nil || !bytes.Equal(got, unhex(t, "08000000 5c00 3dd8 00de e900")) {
		t.Errorf("got %x, %v", got, err)
	}
	// Paths given with '/' or without the leading '\' come out the same.
	for _, p := range []string{`a\b`, `\a\b`, "a/b"} {
		got, _ := FileInfo(FileNameInformation, File{}, Open{Path: p}, 100)
		if !bytes.Equal(got, unhex(t, "08000000 5c00 6100 5c00 6200")) {
			t.Errorf("path %q: %x", p, got)
		}
	}
}

func TestAlternateName(t *testing.T) {
	tests := []struct {
		f    File
		want string
		err  error
	}{
		{File{Name: "longer_name_file.txt", ShortName: "LTFTAZ~X.TXT"}, "LTFTAZ~X.TXT", nil},
		{File{Name: "hello.txt"}, "hello.txt", nil}, // Samba 4.17 answers the name itself
		{File{Name: "subdir"}, "subdir", nil},
		{File{Name: "README"}, "README", nil},
		{File{Name: ""}, ".", nil}, // share root, as Samba
		{File{Name: ".."}, "..", nil},
		{File{Name: "longer_name_file.txt"}, "", ErrNoShortName},
		{File{Name: "a.b.c"}, "", ErrNoShortName},
		{File{Name: "abc.defg"}, "", ErrNoShortName},
		{File{Name: "abcdefghi"}, "", ErrNoShortName},
		{File{Name: "a b.txt"}, "", ErrNoShortName},
		{File{Name: "a+b.txt"}, "", ErrNoShortName},
		{File{Name: "abc."}, "", ErrNoShortName},
		{File{Name: ".profile"}, "", ErrNoShortName},
		{File{Name: "café.txt"}, "", ErrNoShortName},
	}
	for _, tt := range tests {
		got, err := FileInfo(FileAlternateNameInformation, tt.f, Open{}, 100)
		if !errors.Is(err, tt.err) && !(err == nil && tt.err == nil) {
			t.Errorf("%q: err %v, want %v", tt.f.Name, err, tt.err)
			continue
		}
		if tt.err != nil {
			continue
		}
		want, _ := appendName(nil, tt.want, 100)
		if !bytes.Equal(got, want) {
			t.Errorf("%q: %x, want %x", tt.f.Name, got, want)
		}
	}
}

func TestStreamInformation(t *testing.T) {
	dir := File{Directory: true, Attributes: FILE_ATTRIBUTE_DIRECTORY}
	for _, m := range []int{32, 38, 4096} {
		got, err := FileInfo(FileStreamInformation, dir, Open{}, m)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("directory at %d: %x, %v; want empty success", m, got, err)
		}
	}
	if _, err := FileInfo(FileStreamInformation, dir, Open{}, 31); !errors.Is(err, ErrInfoLength) {
		t.Errorf("directory at 31: %v", err)
	}
	got, err := FileInfo(FileStreamInformation, File{EndOfFile: 12, AllocationSize: 4096}, Open{}, 37)
	if !errors.Is(err, ErrBufferOverflow) || len(got) != 0 {
		t.Errorf("file at 37: %x, %v; want no entries and ErrBufferOverflow", got, err)
	}
}

func TestFileInfoInvalidClass(t *testing.T) {
	for _, class := range []uint8{0, FileDirectoryInformation, FileFullDirectoryInformation, FileBothDirectoryInformation,
		FileNamesInformation, FileIdBothDirectoryInformation, FileIdFullDirectoryInformation, FileIdExtdDirectoryInformation,
		10, 13, 19, 59, 99, 255} {
		if got, err := FileInfo(class, distinct, distinctOpen, 4096); !errors.Is(err, ErrInvalidClass) || got != nil {
			t.Errorf("class %d: %x, %v", class, got, err)
		}
	}
}

// TestNeverExceedsMaxLen sweeps every class over every maxLen from -1 to 300
// with a long non-ASCII name: no answer is longer than maxLen, data comes
// only with success or ErrBufferOverflow, and more room never shortens it.
func TestNeverExceedsMaxLen(t *testing.T) {
	f := distinct
	f.Name = "ünïcode-\U0001F600-name-that-is-long.txt"
	f.ShortName = "UNICOD~1.TXT"
	o := distinctOpen
	o.Path = `dir\` + f.Name
	v := distinctVolume
	v.Label = "a label with ü"
	for class := 0; class < 256; class++ {
		prevFile, prevFS := -1, -1
		for maxLen := -1; maxLen <= 300; maxLen++ {
			for kind, fn := range map[string]func() ([]byte, error){
				"file": func() ([]byte, error) { return FileInfo(uint8(class), f, o, maxLen) },
				"fs":   func() ([]byte, error) { return FSInfo(uint8(class), v, maxLen) },
			} {
				got, err := fn()
				if len(got) > max(maxLen, 0) {
					t.Fatalf("%s class %d maxLen %d: %d bytes", kind, class, maxLen, len(got))
				}
				if got != nil && err != nil && !errors.Is(err, ErrBufferOverflow) {
					t.Fatalf("%s class %d maxLen %d: data with %v", kind, class, maxLen, err)
				}
				prev := &prevFile
				if kind == "fs" {
					prev = &prevFS
				}
				if err == nil || errors.Is(err, ErrBufferOverflow) {
					if len(got) < *prev {
						t.Fatalf("%s class %d: %d bytes at maxLen %d after %d", kind, class, len(got), maxLen, *prev)
					}
					*prev = len(got)
				}
			}
		}
	}
}

// TestNormalizedNameOfRoot: the share root's normalized name is empty, as Windows and smbd answer
// (smbtorture's smb2.getinfo.normalized); FileNameInformation gives it as "\".
func TestNormalizedNameOfRoot(t *testing.T) {
	for _, tc := range []struct {
		class uint8
		want  string
	}{{FileNormalizedNameInformation, "00000000"}, {FileNameInformation, "02000000 5c00"}} {
		got, err := FileInfo(tc.class, File{}, Open{Path: ""}, 100)
		if want := unhex(t, tc.want); err != nil || !bytes.Equal(got, want) {
			t.Errorf("class %d of the root: %x, %v; want %x", tc.class, got, err, want)
		}
	}
}
