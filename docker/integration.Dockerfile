# The tests of the Docker suite: the integration package compiled with go test -c, and runsuite,
# which runs it against each server (a FROM scratch image has no shell to loop in).
FROM scratch
LABEL zsmbd.docker-test=1
COPY build/integration.test /integration.test
COPY build/runsuite /runsuite
ENTRYPOINT ["/runsuite", "-test", "/integration.test"]
