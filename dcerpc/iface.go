package dcerpc

// operation decodes one call's request stub from r and encodes its response
// stub into w. A decoding failure is left in r.err and becomes a fault.
type operation func(srv *Server, r *ndrReader, w *ndrWriter)

// iface is an RPC interface served on one named pipe.
type iface struct {
	pipe   string // pipe name, canonical case
	syntax syntaxID
	ops    map[uint16]operation
}

// interfaces lists every pipe Open serves. Like Samba, each pipe accepts a
// bind only for its own interface.
var interfaces = []*iface{srvsvcInterface, wkssvcInterface}

// Win32 error codes returned as NET_API_STATUS. MS-ERREF 2.2.
const (
	werrOK               = 0
	werrAccessDenied     = 0x00000005 // ERROR_ACCESS_DENIED
	werrInvalidParameter = 0x00000057 // ERROR_INVALID_PARAMETER
	werrInvalidLevel     = 0x0000007c // ERROR_INVALID_LEVEL
	werrNetNameNotFound  = 0x00000906 // NERR_NetNameNotFound (2310)
)

// platformIDNT is PLATFORM_ID_NT, what Windows and Samba report. MS-SRVS
// 2.2.2.5.
const platformIDNT = 500
