// Package vfs is the only place where zsmbd turns names sent by SMB clients
// into file descriptors.
//
// A Share holds a descriptor on the share root. Every lookup starts at that
// descriptor and is confined beneath it: with openat2(2) and RESOLVE_BENEATH
// when the kernel has it, otherwise with a component-by-component walk that
// resolves symbolic links itself. Names are SMB names: '\' separated,
// relative to the share root, and matched case-insensitively when the exact
// spelling does not exist (what Samba does for Windows clients by default).
//
// The package does not import the SMB packages. It reports failures with the
// sentinel errors below (wrapped in *fs.PathError), and the server maps them
// to NTSTATUS codes.
package vfs
