# syntax=docker/dockerfile:1
# baocao in a container: `docker build -t baocao:0.1.0 .` — the image the
# Helm chart (helm/baocao) runs by default. The regime plugins are built to
# WebAssembly inside the build stage (platform/plugins/build.rs) and
# embedded in the binary; the runtime stage holds the binary, the
# certificates of the public CAs and nothing else, and runs as user 10001.

FROM rust:1.95-bookworm AS build
RUN rustup target add wasm32-unknown-unknown \
 && apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends pkg-config libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Caches keep the registry and the build between image builds; the binary is copied out of the cache.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p baocao --bin baocao \
 && install -D -m 0755 target/release/baocao /out/baocao

FROM debian:bookworm-slim AS runtime
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends ca-certificates libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 baocao \
 && useradd --system --uid 10001 --gid baocao --home-dir /var/lib/baocao --create-home baocao \
 && install -d -o baocao -g baocao /var/lib/baocao/files
COPY --from=build /out/baocao /usr/local/bin/baocao
# The built-in regimes compiled to machine code, so that a pod is ready at
# once. They suit the CPU of the machine that built the image; on another
# CPU the server finds they do not match its engine and compiles at start.
RUN /usr/local/bin/baocao regime precompile --dir /opt/baocao/compiled-regimes
USER 10001:10001
WORKDIR /var/lib/baocao
ENV BAOCAO_HTTP__LISTEN=0.0.0.0:8080 \
    BAOCAO_REPORTS__ATTACHMENTS_DIR=/var/lib/baocao/files \
    BAOCAO_PLUGINS__COMPILED_DIR=/opt/baocao/compiled-regimes \
    BAOCAO_LOG__FORMAT=json
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/baocao"]
CMD ["serve"]
