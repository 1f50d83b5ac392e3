# syntax=docker/dockerfile:1
# pos-bridge image: `docker build -t pos-bridge .`, then see docker-compose.yml.
# Build stage: full dependencies and the TypeScript compiler; nothing of it reaches the runtime image.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts are skipped here because `prepare` would build before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

# Runtime stage: compiled code, production dependencies, shipped mappings and fixtures (the demo
# and the sandbox emulators use them). Runs as the unprivileged `node` user.
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    MAPPINGS_DIR=/app/mappings
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY mappings ./mappings
COPY fixtures ./fixtures
# Mappings edited through the admin API are saved in MAPPINGS_DIR: the service user must own it.
RUN chown -R node:node /app/mappings
USER node
EXPOSE 8080
# No curl in slim images: node itself asks /health/live (liveness, not readiness, so a ПОС outage
# does not get the container restarted). Processes started with `--role worker` serve no HTTP:
# disable this check for them (docker-compose.yml shows how).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "require('http').get({host:'127.0.0.1',port:Number(process.env.HTTP_PORT||8080),path:'/health/live',timeout:4000},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/pos-bridge.js"]
CMD ["start"]
