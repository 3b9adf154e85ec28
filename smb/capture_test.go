package smb

import (
	"encoding/binary"
	"os"
	"testing"
)

// capturedMsg is one SMB message from testdata/samba-4.17.pcap (see testdata/capture.sh).
type capturedMsg struct {
	conn       int  // connection number in capture order
	fromClient bool // request (client to server) or response
	smb1       bool
	msg        []byte // the whole message, header first
	hdr        Header
}

const captureServerPort = 4455

// loadCapture reads the classic-pcap capture, reassembles each TCP direction (loopback: in order, no
// loss), splits the byte streams into transport frames and compound frames into messages.
func loadCapture(t testing.TB) []capturedMsg {
	t.Helper()
	raw, err := os.ReadFile("testdata/samba-4.17.pcap")
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) < 24 || binary.LittleEndian.Uint32(raw) != 0xa1b2c3d4 || binary.LittleEndian.Uint32(raw[20:]) != 1 {
		t.Fatal("testdata/samba-4.17.pcap: want little-endian microsecond pcap with Ethernet frames")
	}
	type dirKey struct {
		port   uint16 // client port
		client bool
	}
	streams := map[dirKey][]byte{}
	next := map[dirKey]uint32{}
	var order []uint16
	seen := map[uint16]bool{}
	for p := raw[24:]; len(p) >= 16; {
		n := int(binary.LittleEndian.Uint32(p[8:]))
		pkt := p[16 : 16+n]
		p = p[16+n:]
		if binary.BigEndian.Uint16(pkt[12:]) != 0x0800 {
			continue
		}
		ip := pkt[14:]
		ihl := int(ip[0]&0xF) * 4
		tcp := ip[ihl:int(binary.BigEndian.Uint16(ip[2:]))]
		src, dst := binary.BigEndian.Uint16(tcp), binary.BigEndian.Uint16(tcp[2:])
		seq := binary.BigEndian.Uint32(tcp[4:])
		payload := tcp[int(tcp[12]>>4)*4:]
		k := dirKey{port: src, client: true}
		if src == captureServerPort {
			k = dirKey{port: dst, client: false}
		}
		if !seen[k.port] {
			seen[k.port] = true
			order = append(order, k.port)
		}
		if len(payload) == 0 {
			continue
		}
		if want, ok := next[k]; ok && seq != want {
			if seq-want < 1<<31 {
				t.Fatalf("capture: gap in stream %v", k)
			}
			continue // retransmission
		}
		next[k] = seq + uint32(len(payload))
		streams[k] = append(streams[k], payload...)
	}
	var msgs []capturedMsg
	for conn, port := range order {
		for _, client := range []bool{true, false} {
			data := streams[dirKey{port, client}]
			for len(data) >= 4 {
				n := int(binary.BigEndian.Uint32(data) & 0xFFFFFF)
				frame := data[4 : 4+n]
				data = data[4+n:]
				if IsSMB1(frame) {
					msgs = append(msgs, capturedMsg{conn: conn, fromClient: client, smb1: true, msg: frame})
					continue
				}
				parts, err := SplitCompound(nil, frame)
				if err != nil {
					t.Fatalf("capture: %v", err)
				}
				for _, m := range parts {
					h, err := DecodeHeader(m)
					if err != nil {
						t.Fatalf("capture: %v", err)
					}
					msgs = append(msgs, capturedMsg{conn: conn, fromClient: client, msg: m, hdr: h})
				}
			}
		}
	}
	return msgs
}

func TestLoadCapture(t *testing.T) {
	msgs := loadCapture(t)
	for _, m := range msgs {
		if !m.smb1 {
			t.Logf("conn %d client=%v %v status=%v len=%d", m.conn, m.fromClient, m.hdr.Command, m.hdr.Status, len(m.msg))
		}
	}
}
