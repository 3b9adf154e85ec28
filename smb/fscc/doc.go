// Package fscc encodes the file and file-system information classes of
// MS-FSCC 2.4 and 2.5 and the self-relative security descriptors of
// MS-DTYP 2.4.6 that an SMB2 server returns from QUERY_INFO and
// QUERY_DIRECTORY.
//
// The package is pure encoding: the server fills File, Open and Volume from
// stat and statfs results and asks for the bytes of one class with the
// client's OutputBufferLength as maxLen. How a class behaves when maxLen is
// too small follows the object-store rules of MS-FSA 2.1.5.12 and 2.1.5.13
// (what Windows does), which Samba 4.17 matches for every class checked:
//
//   - fixed-size classes fail with ErrInfoLength (STATUS_INFO_LENGTH_MISMATCH);
//   - classes ending in a name (FileNameInformation, FileAllInformation,
//     FileAlternateNameInformation, FileNormalizedNameInformation, the volume
//     label and file-system name) fail with ErrInfoLength below their minimum
//     and otherwise return the name cut to fit together with ErrBufferOverflow
//     (STATUS_BUFFER_OVERFLOW, data still sent);
//   - FileStreamInformation returns whole entries only.
//
// Names are UTF-16LE without a terminating NUL.
package fscc
