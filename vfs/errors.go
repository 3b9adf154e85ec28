package vfs

import "errors"

// Sentinel errors returned (wrapped in *fs.PathError) by Share and File
// methods. Test them with errors.Is.
var (
	// ErrNameInvalid reports a name that no file can have: a NUL byte, a
	// control character, one of the wildcard or reserved characters
	// * ? < > " |, a ':' outside the final component's stream suffix, or a
	// component longer than the file system allows. Server mapping:
	// STATUS_OBJECT_NAME_INVALID.
	ErrNameInvalid = errors.New("vfs: object name invalid")

	// ErrNotFound reports that the final component does not exist.
	// Server mapping: STATUS_OBJECT_NAME_NOT_FOUND.
	ErrNotFound = errors.New("vfs: object name not found")

	// ErrPathNotFound reports that an intermediate component is missing or
	// is not a directory. Server mapping: STATUS_OBJECT_PATH_NOT_FOUND.
	ErrPathNotFound = errors.New("vfs: object path not found")

	// ErrEscapes reports that resolving the name would leave the share
	// root: through a symbolic link (absolute, or relative with enough ".."
	// to climb out), or through a ".." in the name itself.
	//
	// Samba 4.17 with "wide links = no" answers a symbolic link that leaves
	// the share as if the name did not exist (OBJECT_NAME_NOT_FOUND for the
	// last component, OBJECT_PATH_NOT_FOUND on the way); the server does the
	// same. A ".." in the client's name that climbs above the root returns
	// ErrAboveRoot, which also matches ErrEscapes, so a server may map the
	// two apart (Samba: OBJECT_PATH_SYNTAX_BAD) or together.
	ErrEscapes = errors.New("vfs: name resolves outside the share")

	// ErrAboveRoot reports a ".." component in the client's name that would
	// climb above the share root. errors.Is(ErrAboveRoot, ErrEscapes) is
	// true. Samba's mapping: NT_STATUS_OBJECT_PATH_SYNTAX_BAD.
	ErrAboveRoot error = aboveRootError{}

	// ErrStream reports a named alternate data stream ("file:name" or
	// "file:name:$DATA"). Only the unnamed stream "file::$DATA" is
	// supported. Server mapping: STATUS_OBJECT_NAME_INVALID, Samba's without a streams module.
	ErrStream = errors.New("vfs: named streams are not supported")

	// ErrLoop reports more than 40 symbolic links followed while resolving
	// one name (the kernel's MAXSYMLINKS, so both resolvers agree). Samba
	// 4.17 answers a loop like a missing name, and so does the server.
	ErrLoop = errors.New("vfs: too many levels of symbolic links")
)

type aboveRootError struct{}

func (aboveRootError) Error() string { return "vfs: .. climbs above the share root" }

// Is makes ErrAboveRoot match ErrEscapes.
func (aboveRootError) Is(target error) bool { return target == ErrEscapes }
