package fscc

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strconv"
	"testing"
)

// sambaSubdirListing is what Samba 4.17 listed for subdir, in its order.
func sambaSubdirListing() []File {
	dot := sambaSubdir
	dot.Name = "."
	dotdot := sambaRoot
	dotdot.Name = ".."
	long := File{Name: "longer_name_file.txt", CreationTime: subdirTime, LastAccessTime: subdirTime, LastWriteTime: subdirTime,
		ChangeTime: subdirTime, Attributes: FILE_ATTRIBUTE_NORMAL, FileID: 0x984431, NumberOfLinks: 1}
	a := long
	a.Name, a.FileID = "a.txt", 0x984430
	return []File{dot, dotdot, long, a}
}

// TestDirEntriesSamba rebuilds Samba's QUERY_DIRECTORY answers for every
// class it supports: same layout, 8-byte alignment and an unpadded last entry.
func TestDirEntriesSamba(t *testing.T) {
	c := loadSamba(t)
	for _, class := range []uint8{FileDirectoryInformation, FileFullDirectoryInformation, FileBothDirectoryInformation,
		FileNamesInformation, FileIdBothDirectoryInformation, FileIdFullDirectoryInformation} {
		want := c["dirs"][strconv.Itoa(int(class))]["65536"]
		if want[0] != "00000000" {
			t.Fatalf("class %d: capture status %s", class, want[0])
		}
		var b []byte
		prev := -1
		for _, f := range sambaSubdirListing() {
			var ok bool
			var err error
			b, prev, ok, err = AppendDirEntry(b, 0, prev, class, f, 65536)
			if !ok || err != nil {
				t.Fatalf("class %d %q: ok=%v err=%v", class, f.Name, ok, err)
			}
		}
		if got := hex.EncodeToString(b); got != want[1] {
			t.Errorf("class %d:\n got %s\nwant %s", class, got, want[1])
		}
	}
}

// walk follows a NextEntryOffset chain and returns the entry offsets.
func walk(t *testing.T, b []byte) []int {
	t.Helper()
	var offs []int
	off := 0
	for {
		if off+4 > len(b) {
			t.Fatalf("entry at %d past end %d", off, len(b))
		}
		offs = append(offs, off)
		next := int(binary.LittleEndian.Uint32(b[off:]))
		if next == 0 {
			return offs
		}
		if next%8 != 0 {
			t.Fatalf("NextEntryOffset %d at %d not 8-aligned", next, off)
		}
		off += next
	}
}

func TestDirEntryLayout(t *testing.T) {
	f := File{Name: "ab", CreationTime: 1, LastAccessTime: 2, LastWriteTime: 3, ChangeTime: 4, EndOfFile: 5, AllocationSize: 6,
		Attributes: FILE_ATTRIBUTE_ARCHIVE, FileID: 0x1122334455667788, ShortName: "AB~1.TXT", EASize: 99}
	const times = "0100000000000000 0200000000000000 0300000000000000 0400000000000000 0500000000000000 0600000000000000 20000000"
	shortName := "10 00 41004200 7e003100 2e00540058005400 0000000000000000" // ShortNameLength 16, Reserved, 24-byte field
	tests := []struct {
		class uint8
		want  string
	}{
		{FileDirectoryInformation, "00000000 00000000" + times + "04000000 61006200"},
		{FileFullDirectoryInformation, "00000000 00000000" + times + "04000000 00000000 61006200"},
		{FileBothDirectoryInformation, "00000000 00000000" + times + "04000000 00000000" + shortName + "61006200"},
		{FileNamesInformation, "00000000 00000000 04000000 61006200"},
		{FileIdBothDirectoryInformation, "00000000 00000000" + times + "04000000 00000000" + shortName + "0000 8877665544332211 61006200"},
		{FileIdFullDirectoryInformation, "00000000 00000000" + times + "04000000 00000000 00000000 8877665544332211 61006200"},
		{FileIdExtdDirectoryInformation, "00000000 00000000" + times + "04000000 00000000 00000000 8877665544332211 0000000000000000 61006200"},
	}
	for _, tt := range tests {
		want := unhex(t, tt.want)
		if n := DirEntryFixedSize(tt.class) + 4; n != len(want) {
			t.Errorf("class %d: DirEntryFixedSize+name = %d, vector has %d", tt.class, n, len(want))
		}
		b, off, ok, err := AppendDirEntry(nil, 0, -1, tt.class, f, len(want))
		if err != nil || !ok || off != 0 {
			t.Fatalf("class %d: off=%d ok=%v err=%v", tt.class, off, ok, err)
		}
		if !bytes.Equal(b, want) {
			t.Errorf("class %d:\n got %x\nwant %x", tt.class, b, want)
		}
		// One byte less does not fit and leaves b alone.
		b2, off, ok, err := AppendDirEntry([]byte{}, 0, -1, tt.class, f, len(want)-1)
		if err != nil || ok || off != -1 || len(b2) != 0 {
			t.Errorf("class %d at maxLen-1: len=%d off=%d ok=%v err=%v", tt.class, len(b2), off, ok, err)
		}
	}
}

// TestDirEntryChain checks alignment relative to start, the NextEntryOffset
// chain, zero padding, and the exact maxLen boundary including the padding
// the next entry needs.
func TestDirEntryChain(t *testing.T) {
	const start = 5 // e.g. a response header before the entries; alignment is relative to it
	head := []byte{0xaa, 0xbb, 0xcc, 0xdd, 0xee}
	for _, class := range []uint8{FileDirectoryInformation, FileFullDirectoryInformation, FileBothDirectoryInformation,
		FileNamesInformation, FileIdBothDirectoryInformation, FileIdFullDirectoryInformation, FileIdExtdDirectoryInformation} {
		names := []string{"a", "bb", "ccc", "dddd", "e\U0001F600"} // odd and even lengths, a surrogate pair
		b := append([]byte(nil), head...)
		prev := -1
		var sizes []int
		for _, n := range names {
			size := DirEntryFixedSize(class) + utf16Len(n)
			sizes = append(sizes, size)
			var ok bool
			var err error
			var off int
			b, off, ok, err = AppendDirEntry(b, start, prev, class, File{Name: n}, 1<<16)
			if err != nil || !ok {
				t.Fatalf("class %d: %v %v", class, ok, err)
			}
			if (off-start)%8 != 0 {
				t.Fatalf("class %d: entry at %d not aligned to start", class, off)
			}
			prev = off
		}
		if !bytes.Equal(b[:start], head) {
			t.Fatalf("class %d: bytes before start changed", class)
		}
		offs := walk(t, b[start:])
		if len(offs) != len(names) {
			t.Fatalf("class %d: chain has %d entries, want %d", class, len(offs), len(names))
		}
		for i, off := range offs {
			if i+1 < len(offs) {
				for _, c := range b[start+off+sizes[i] : start+offs[i+1]] {
					if c != 0 {
						t.Fatalf("class %d: non-zero padding after entry %d", class, i)
					}
				}
			}
		}
		// The last entry is not padded.
		if last := offs[len(offs)-1] + sizes[len(sizes)-1]; last != len(b)-start {
			t.Errorf("class %d: response is %d bytes, last entry ends at %d", class, len(b)-start, last)
		}

		// Boundary: the next entry needs its padding plus its size.
		used := len(b) - start
		need := (used+7)&^7 + DirEntryFixedSize(class) + 2
		f := File{Name: "z"}
		if nb, off, ok, err := AppendDirEntry(b, start, prev, class, f, need-1); ok || err != nil || off != -1 || !bytes.Equal(nb, b) {
			t.Errorf("class %d: fitted in %d bytes, needs %d", class, need-1, need)
		}
		nb, off, ok, err := AppendDirEntry(append([]byte(nil), b...), start, prev, class, f, need)
		if !ok || err != nil || len(nb)-start != need || off != start+(used+7)&^7 {
			t.Errorf("class %d at exact fit: ok=%v err=%v len=%d off=%d", class, ok, err, len(nb)-start, off)
		}
		if got := int(binary.LittleEndian.Uint32(nb[prev:])); got != off-prev {
			t.Errorf("class %d: previous NextEntryOffset %d, want %d", class, got, off-prev)
		}
	}
}

func TestDirEntryErrors(t *testing.T) {
	f := File{Name: "x"}
	for _, class := range []uint8{0, FileBasicInformation, FileAllInformation, FileStreamInformation, 61, 255} {
		if _, _, ok, err := AppendDirEntry(nil, 0, -1, class, f, 4096); ok || !errors.Is(err, ErrInvalidClass) {
			t.Errorf("class %d: ok=%v err=%v", class, ok, err)
		}
	}
	b := make([]byte, 16)
	for _, tt := range []struct{ start, prev int }{{-1, -1}, {17, -1}, {0, 13}, {4, 2}, {0, -2}, {0, 100}} {
		nb, _, ok, err := AppendDirEntry(b, tt.start, tt.prev, FileNamesInformation, f, 4096)
		if ok || !errors.Is(err, ErrEntryOffsets) || len(nb) != 16 {
			t.Errorf("start=%d prev=%d: ok=%v err=%v", tt.start, tt.prev, ok, err)
		}
	}
	// maxLen 0 or negative never fits.
	for _, m := range []int{0, -1, 11} {
		if _, _, ok, err := AppendDirEntry(nil, 0, -1, FileNamesInformation, File{}, m); ok || err != nil {
			t.Errorf("maxLen %d: ok=%v err=%v", m, ok, err)
		}
	}
	// A short name longer than the field is cut to 12 code units.
	b, _, _, _ = AppendDirEntry(nil, 0, -1, FileBothDirectoryInformation, File{ShortName: "ABCDEFGHIJKLMNOP"}, 4096)
	if b[68] != 24 || string(b[70:72]) != "A\x00" || string(b[92:94]) != "L\x00" {
		t.Errorf("long short name: length %d, field %x", b[68], b[70:94])
	}
}
