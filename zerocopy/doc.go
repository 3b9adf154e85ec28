// Package zerocopy writes SMB2 frames onto a TCP socket, in particular READ
// responses: a few header bytes followed by a range of a file.
//
// A Sender owns the write side of one connection and sends the file range with
// one of four strategies, chosen per server so the read path can be studied:
//
//   - Sendfile: sendfile(2) straight from the page cache into the socket.
//   - Splice: splice(2) file → pipe → socket.
//   - Copy: pread(2) into a pooled buffer, then one writev(2) of header + data.
//     This is also the path for signed, encrypted and compound responses,
//     whose bytes the server has to see.
//   - Mmap: mmap(2) the range and writev(2) header + mapping.
//
// Every strategy runs on Go's non-blocking sockets through syscall.RawConn:
// a system call that returns EAGAIN parks the goroutine on the netpoller
// (the RawConn.Write callback returns false) instead of spinning or blocking
// an OS thread. Every system call of the data path (sendfile, splice, pread,
// writev, sendmsg, mmap, munmap, setsockopt, fstat) is counted in a shared
// Stats at the place it is made, so a test or a benchmark can show which path
// ran and what it cost. Pipe setup (pipe2, fcntl) is not counted: pipes are
// pooled and made once.
//
// The stream must stay framed: once a header announcing n bytes is sent,
// exactly n bytes follow. If the file shrank or a read fails after the header
// went out, the rest is padded with zeros, as Samba does, and counted.
package zerocopy
