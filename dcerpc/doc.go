// Package dcerpc serves the DCE/RPC interfaces that SMB clients reach through
// named pipes on IPC$: srvsvc (share enumeration and server information) and
// wkssvc (workstation information).
//
// The SMB layer opens a Pipe for each CREATE of \PIPE\srvsvc or \PIPE\wkssvc,
// passes every WRITE (or the input of FSCTL_PIPE_TRANSCEIVE) to Pipe.Write and
// answers READs from Pipe.Read. The package speaks the connection-oriented
// protocol of MS-RPCE 2.2.2 / C706 chapter 12 with the NDR 2.0 transfer syntax,
// little-endian, without authentication (the SMB session already authenticated
// the caller), and implements only the operations that share browsing and Windows' server tools use:
//
//	srvsvc  opnum 8 NetrConnectionEnum, 9 NetrFileEnum, 12 NetrSessionEnum (each refused: only
//	        administrators get them, and no session here is one), 15 NetrShareEnum,
//	        16 NetrShareGetInfo, 21 NetrServerGetInfo, 23 NetrServerDiskEnum, 28 NetrRemoteTOD,
//	        36 NetrShareEnumSticky
//	wkssvc  opnum 0 NetrWkstaGetInfo, 2 NetrWkstaUserEnum (refused)
//
// Every other opnum is answered with a fault PDU (nca_s_op_rng_error).
package dcerpc
