# Shortcuts for the commands the README documents.
.PHONY: build test docker-test

# The zsmbd binary, static, in the current directory.
build:
	CGO_ENABLED=0 go build -trimpath -o zsmbd ./cmd/zsmbd

# The README's test command.
test:
	go test -race ./...

# The integration suite in Docker: one zsmbd per read-path strategy, the go-smb2 tests in another
# container; exits with the suite's status.
docker-test:
	docker/run-suite
