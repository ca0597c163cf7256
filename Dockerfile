# One recipe for every app:  docker build --build-arg APP=user-service .
ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS build
ARG APP
WORKDIR /app
# Dependencies first, so source edits do not invalidate the npm ci layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN test -n "$APP" || { echo "Set --build-arg APP=<app>" >&2; exit 1; }
RUN npx nest build "$APP"
# Migrations are optional; stage them so the runtime COPY works either way.
RUN mkdir -p /migrations && \
    if [ -d "apps/$APP/drizzle" ]; then cp -r "apps/$APP/drizzle" /migrations/; fi

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ARG APP
ENV NODE_ENV=production APP=${APP} DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /migrations/ ./apps/${APP}/
# Named volumes mounted on /data and the bus's key folders inherit this
# ownership, so the non-root user can create its keys on first start.
RUN mkdir -p /data /keys/public /keys/private /keys/data && \
    chown -R node:node /data /keys
USER node
# exec: node is PID 1 and gets SIGTERM for a graceful shutdown.
CMD ["sh", "-c", "exec node dist/apps/$APP/apps/$APP/src/main.js"]
