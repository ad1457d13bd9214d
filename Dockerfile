# syntax=docker/dockerfile:1
# Build stage: bundled SQLite and libpq build from source, so only a C toolchain is needed.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY .cargo ./.cargo
COPY src ./src
COPY build.rs ./
COPY migrations ./migrations
COPY templates ./templates
COPY assets ./assets
COPY openapi ./openapi
RUN cargo build --release --locked --bin stapvoorstap

# Runtime stage: a small image with only the binary, CA certificates and OpenSSL's runtime.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --create-home stapvoorstap
COPY --from=build /src/target/release/stapvoorstap /usr/local/bin/stapvoorstap
USER stapvoorstap
WORKDIR /data
ENV LISTEN_ADDR=0.0.0.0:8080 \
    DATABASE_URL=/data/stapvoorstap.db \
    LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD curl -fsS http://127.0.0.1:8080/health/ready || exit 1
ENTRYPOINT ["stapvoorstap"]
CMD ["serve"]
