package fscc

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

var distinctVolume = Volume{
	Label: "Share", SerialNumber: 0x0d0c0b0a, CreationTime: 0x0101010101010101,
	TotalUnits: 0x0202020202, FreeUnits: 0x0303030303, CallerAvailUnits: 0x0404040404,
	SectorsPerUnit: 8, BytesPerSector: 512, FSName: "NTFS", Attributes: DefaultFSAttributes(true),
	ObjectID: [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
}

// TestFSInfoLayout checks each class against the MS-FSCC 2.5 diagrams.
func TestFSInfoLayout(t *testing.T) {
	tests := []struct {
		class uint8
		v     Volume
		want  string
	}{
		{FileFsVolumeInformation, distinctVolume, "0101010101010101 0a0b0c0d 0a000000 00 00 53006800610072006500"},
		{FileFsSizeInformation, distinctVolume, "0202020202000000 0404040404000000 08000000 00020000"},
		{FileFsDeviceInformation, distinctVolume, "07000000 22000000"},
		{FileFsDeviceInformation, Volume{Attributes: DefaultFSAttributes(false)}, "07000000 20000000"},
		{FileFsAttributeInformation, distinctVolume, "0f000800 ff000000 08000000 4e00540046005300"},
		{FileFsAttributeInformation, Volume{MaxNameLen: 12}, "00000000 0c000000 00000000"},
		{FileFsFullSizeInformation, distinctVolume, "0202020202000000 0404040404000000 0303030303000000 08000000 00020000"},
		{FileFsObjectIdInformation, distinctVolume, "0102030405060708090a0b0c0d0e0f10" + fmt.Sprintf("%096d", 0)},
		{FileFsSectorSizeInformation, distinctVolume, "00020000 00020000 00020000 00020000 03000000 00000000 00000000"},
	}
	for _, tt := range tests {
		got, err := FSInfo(tt.class, tt.v, 4096)
		if err != nil {
			t.Fatalf("class %d: %v", tt.class, err)
		}
		if want := unhex(t, tt.want); !bytes.Equal(got, want) {
			t.Errorf("class %d:\n got %x\nwant %x", tt.class, got, want)
		}
	}
}

func TestFSInfoBoundaries(t *testing.T) {
	tests := []struct {
		class     uint8
		min, full int
	}{
		{FileFsVolumeInformation, 24, 28}, // 18 + "Share"
		{FileFsSizeInformation, 24, 24},
		{FileFsDeviceInformation, 8, 8},
		{FileFsAttributeInformation, 16, 20},
		{FileFsFullSizeInformation, 32, 32},
		{FileFsObjectIdInformation, 64, 64},
		{FileFsSectorSizeInformation, 28, 28},
	}
	for _, tt := range tests {
		full, err := FSInfo(tt.class, distinctVolume, 1<<20)
		if err != nil || len(full) != tt.full {
			t.Fatalf("class %d: full %d bytes, %v", tt.class, len(full), err)
		}
		for _, m := range []int{-1, 0, tt.min - 1, tt.min, tt.min + 1, tt.full - 1, tt.full, tt.full + 1} {
			got, err := FSInfo(tt.class, distinctVolume, m)
			name := fmt.Sprintf("class %d maxLen %d", tt.class, m)
			switch {
			case m < tt.min:
				if !errors.Is(err, ErrInfoLength) || got != nil {
					t.Errorf("%s: %d bytes, %v; want ErrInfoLength", name, len(got), err)
				}
			case m >= tt.full:
				if err != nil || !bytes.Equal(got, full) {
					t.Errorf("%s: %d bytes, %v", name, len(got), err)
				}
			default:
				// MS-FSA 2.1.5.13.1/5: as many name bytes as remain.
				if !errors.Is(err, ErrBufferOverflow) || !bytes.Equal(got, full[:m]) {
					t.Errorf("%s: %d bytes, %v; want %d with ErrBufferOverflow", name, len(got), err, m)
				}
			}
		}
	}
	for _, class := range []uint8{0, 2, 6, 9, 10, 12, 13, 255} {
		if _, err := FSInfo(class, distinctVolume, 4096); !errors.Is(err, ErrInvalidClass) {
			t.Errorf("class %d: %v", class, err)
		}
	}
}

func TestDefaultFSAttributes(t *testing.T) {
	if got := DefaultFSAttributes(false); got != 0x0000000f {
		t.Errorf("read-write: %#x", got)
	}
	if got := DefaultFSAttributes(true); got != 0x0008000f {
		t.Errorf("read-only: %#x", got)
	}
}
