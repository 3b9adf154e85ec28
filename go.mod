module github.com/zsmbd/zsmbd

go 1.26.0

require (
	github.com/geoffgarside/ber v1.1.0
	github.com/hirochachacha/go-smb2 v1.1.0
	github.com/rs/zerolog v1.35.1
	golang.org/x/crypto v0.59.0
	golang.org/x/sync v0.25.0
	golang.org/x/sys v0.50.0
	golang.org/x/term v0.48.0
)

require (
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
)
