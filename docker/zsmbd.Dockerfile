# The server of the Docker suite: zsmbd and the suite's data, nothing else. No image is pulled: the
# binaries are built static on the host (docker/run-suite), and the data is written here by
# gendata, run without a shell (exec form).
FROM scratch AS data
LABEL zsmbd.docker-test=1
COPY build/gendata /gendata
RUN ["/gendata", "-root", "/srv", "-smbpasswd", "/etc/zsmbd/smbpasswd"]

FROM scratch
LABEL zsmbd.docker-test=1
COPY build/zsmbd /zsmbd
COPY smb.conf /etc/zsmbd/smb.conf
COPY --from=data /etc/zsmbd/smbpasswd /etc/zsmbd/smbpasswd
COPY --from=data /srv /srv
# docker-compose.yml mounts a volume per server on /srv: Docker fills an empty volume with this
# tree, and the integration container sees the same files.
VOLUME /srv
EXPOSE 445
ENTRYPOINT ["/zsmbd", "-config", "/etc/zsmbd/smb.conf"]
