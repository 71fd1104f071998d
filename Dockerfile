# Multi-stage build: compile with the Rust toolchain, run on a slim Debian image.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
# The bundled SQLite's build options (LIBSQLITE3_FLAGS).
COPY .cargo .cargo
COPY src src
COPY migrations migrations
COPY config config
COPY templates templates
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /app furusato
WORKDIR /app
COPY --from=build /src/target/release/furusato /usr/local/bin/furusato
COPY config config
COPY templates templates
USER furusato
ENV FURUSATO_ENVIRONMENT=production
EXPOSE 8080
HEALTHCHECK CMD curl -fsS http://127.0.0.1:8080/health/ready || exit 1
ENTRYPOINT ["furusato"]
CMD ["serve"]
