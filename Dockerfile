# The Switchboard API and worker (and the one-shot migration), run from source with tsx: there is no build step.
# docker-compose.yml builds this image once and runs it three ways: `npm run migrate`, `npm run api`, `npm run worker`.
FROM node:20-slim

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first, so that source changes do not reinstall them. Dev dependencies (jest, eslint, typescript)
# are not needed at runtime; tsx, which runs the TypeScript, is a runtime dependency.
# npm's postinstall runs scripts/provision-temporal.ts, which would install a Temporal CLI for `npm start`'s dev
# server; the image talks to an external Temporal (TEMPORAL_ADDRESS), so TEMPORAL_CLI_PROVISION=skip installs none.
COPY package.json package-lock.json ./
COPY scripts/provision-temporal.ts scripts/
RUN TEMPORAL_CLI_PROVISION=skip npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY . .

# Export files are written by the worker and served by the API: a volume shared by both (see docker-compose.yml).
RUN mkdir -p /data/exports && chown -R node:node /data
ENV EXPORT_DIR=/data/exports HOST=0.0.0.0 PORT=3000

USER node
EXPOSE 3000
CMD ["npm", "run", "api"]
