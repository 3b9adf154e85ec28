package dcerpc

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// impacketPython finds a python3 that can import impacket (Debian's
// python3-impacket installs into /usr/bin/python3, which a pyenv python3
// earlier in PATH cannot see).
func impacketPython(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if err := exec.Command(py, "-c", "import impacket.dcerpc.v5.srvs").Run(); err == nil {
			return py
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("impacket is required in CI: apt-get install python3-impacket")
	}
	t.Skip("impacket not installed (apt-get install python3-impacket); it is the independent NDR decoder for this test")
	return ""
}

// TestImpacket runs impacket's DCE/RPC client (its own bind, fragmentation,
// reassembly and NDR definitions of MS-SRVS and MS-WKST) against Pipes.
func TestImpacket(t *testing.T) {
	py := impacketPython(t)

	var big []Share
	for i := range 150 {
		big = append(big, Share{
			Name:    fmt.Sprintf("share%03d", i),
			Comment: strings.Repeat("c", i%13),
			Type:    STypeDiskTree,
		})
	}
	srvPort := serveTCP(t, "srvsvc", serverWith(testShares))
	wksPort := serveTCP(t, "wkssvc", serverWith(testShares))
	bigPort := serveTCP(t, `\PIPE\SRVSVC`, serverWith(big))

	cmd := exec.Command(py, "testdata/impacket_client.py", fmt.Sprint(srvPort), fmt.Sprint(wksPort), fmt.Sprint(bigPort))
	cmd.Stderr = os.Stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("impacket client: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}

	want := map[string]string{
		"enum0": `{"level":0,"resume":0,"shares":[{"name":"public"},{"name":"IPC$"},{"name":"hidden$"},{"name":"docs"}],"total":4}`,
		"enum1": `{"level":1,"resume":0,"shares":[` +
			`{"name":"public","remark":"Public files","type":0},` +
			`{"name":"IPC$","remark":"IPC Service (zsmbd)","type":2147483651},` +
			`{"name":"hidden$","remark":"","type":2147483648},` +
			`{"name":"docs","remark":"Dokumente für alle","type":0}],"total":4}`,
		"enum2": `{"level":2,"resume":0,"shares":[` +
			`{"max_uses":4294967295,"name":"public","path":"C:\\srv\\public","remark":"Public files","type":0},` +
			`{"max_uses":4294967295,"name":"IPC$","path":"C:\\tmp","remark":"IPC Service (zsmbd)","type":2147483651},` +
			`{"max_uses":4294967295,"name":"hidden$","path":"C:\\srv\\hidden","remark":"","type":2147483648},` +
			`{"max_uses":4294967295,"name":"docs","path":"C:\\srv\\docs","remark":"Dokumente für alle","type":0}],"total":4}`,
		"enum501": `{"level":501,"resume":0,"shares":[` +
			`{"flags":0,"name":"public","remark":"Public files","type":0},` +
			`{"flags":0,"name":"IPC$","remark":"IPC Service (zsmbd)","type":2147483651},` +
			`{"flags":0,"name":"hidden$","remark":"","type":2147483648},` +
			`{"flags":0,"name":"docs","remark":"Dokumente für alle","type":0}],"total":4}`,
		"enum502": `{"level":502,"resume":0,"shares":[` +
			`{"max_uses":4294967295,"name":"public","path":"C:\\srv\\public","remark":"Public files","sd_size":0,"type":0},` +
			`{"max_uses":4294967295,"name":"IPC$","path":"C:\\tmp","remark":"IPC Service (zsmbd)","sd_size":0,"type":2147483651},` +
			`{"max_uses":4294967295,"name":"hidden$","path":"C:\\srv\\hidden","remark":"","sd_size":0,"type":2147483648},` +
			`{"max_uses":4294967295,"name":"docs","path":"C:\\srv\\docs","remark":"Dokumente für alle","sd_size":0,"type":0}],"total":4}`,
		"getinfo502":         `{"name":"docs","path":"C:\\srv\\docs","sd_size":0}`,
		"getinfo1004":        `"Dokumente für alle"`,
		"getinfo1005":        `0`,
		"getinfo1006":        `4294967295`,
		"enum1_resume2":      `["hidden$","docs"]`,
		"sticky1":            `["public","docs"]`,
		"getinfo0":           `{"name":"hidden$"}`,
		"getinfo1":           `{"name":"hidden$","remark":"","type":2147483648}`,
		"getinfo2":           `{"name":"hidden$","path":"C:\\srv\\hidden","remark":"","type":2147483648}`,
		"getinfo501":         `{"name":"hidden$","remark":"","type":2147483648}`,
		"server100":          `{"name":"ZSMBD","platform":500}`,
		"server101":          `{"comment":"zsmbd test server","major":6,"minor":1,"name":"ZSMBD","platform":500,"type":38915}`,
		"server102":          `{"announce":240,"comment":"zsmbd test server","licenses":100000,"major":6,"minor":1,"name":"ZSMBD","platform":500,"type":38915,"userpath":"C:\\","users":4294967295}`,
		"alter_enum":         `["public","IPC$","hidden$","docs"]`,
		"fragmented_request": `"C:\\srv\\hidden"`,
		"bogus_then_enum":    `4`,
		"big":                `{"count":150,"first":{"name":"share000","remark":"","type":0},"last":{"name":"share149","remark":"cccccc","type":0}}`,
		"disks":              `{"names":["C:",""],"read":2,"total":1}`,
		"wksta101":           `{"computer":"ZSMBD","langroup":"WORKGROUP","lanroot":""}`,
		"wksta100":           `{"computer":"ZSMBD","langroup":"WORKGROUP","major":6,"minor":1,"platform":500}`,
		// NetrRemoteTOD at the test clock, in UTC, Samba's clock tick.
		"tod": `{"elapsedt":1796529906,"hours":4,"mins":5,"secs":6,"hunds":78,"timezone":0,"tinterval":10000,` +
			`"day":6,"month":12,"year":2026,"weekday":0}`,
	}
	for key, w := range want {
		var wv any
		if err := json.Unmarshal([]byte(w), &wv); err != nil {
			t.Fatalf("%s: bad want: %v", key, err)
		}
		if !reflect.DeepEqual(got[key], wv) {
			g, _ := json.Marshal(got[key])
			t.Errorf("%s:\n got %s\nwant %s", key, g, w)
		}
	}
	// NET_API_STATUS values the calls must fail with.
	codes := map[string]float64{
		"enum503":             werrInvalidLevel,
		"getinfo_missing":     werrNetNameNotFound,
		"getinfo_level1501":   werrInvalidLevel,
		"getinfo_missing1005": werrNetNameNotFound,
		"server_level7":       werrInvalidLevel,
		"wksta_level102":      werrAccessDenied,
		"wksta_level502":      werrInvalidLevel,
		"wksta_user_enum":     werrAccessDenied,
		"sess_enum10":         werrAccessDenied,
		"conn_enum1":          werrAccessDenied,
		"file_enum3":          werrAccessDenied,
		"file_enum2":          werrInvalidLevel,
	}
	for key, code := range codes {
		m, _ := got[key].(map[string]any)
		if m["code"] != code {
			t.Errorf("%s: got %v, want error code %#x", key, got[key], int(code))
		}
	}
	// Errors whose text is impacket's own wording: check the part that
	// names the protocol outcome.
	contains := map[string]string{
		"bad_opnum":             "nca_s_op_rng_error",
		"bind_ndr64":            "proposed_transfer_syntaxes_not_supported",
		"bind_wkssvc_on_srvsvc": "abstract_syntax_not_supported",
	}
	for key, sub := range contains {
		m, _ := got[key].(map[string]any)
		if msg, _ := m["msg"].(string); !strings.Contains(msg, sub) {
			t.Errorf("%s: got %v, want an error mentioning %s", key, got[key], sub)
		}
	}
}
