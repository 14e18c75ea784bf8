# syntax=docker/dockerfile:1
# 3cx2mqtt: build on Debian (better-sqlite3 compiles against glibc), run on a slim Debian Node LTS.

FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="3cx2mqtt" \
      org.opencontainers.image.description="A 3CX V20 phone system on MQTT, with Home Assistant discovery" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT"
# baresip-core places alarm calls; tini reaps children (baresip) and forwards signals as PID 1.
RUN apt-get update \
 && apt-get install -y --no-install-recommends baresip-core tini ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 tcx2mqtt \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --shell /usr/sbin/nologin tcx2mqtt \
 && mkdir -p /data && chown 10001:10001 /data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json config.example.yaml ./
COPY web ./web
ENV NODE_ENV=production \
    TCX2MQTT_CONFIG=/data/config.yaml \
    TCX2MQTT_WEB__LISTEN=0.0.0.0:8080 \
    TCX2MQTT_HISTORY__DATABASE=/data/3cx2mqtt.db
# Numeric, so that Kubernetes' runAsNonRoot can check it. Nothing is written outside /data: the root filesystem
# can be read-only (compose.yaml does that).
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/cli.js"]
CMD ["run"]
