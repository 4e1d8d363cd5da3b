# kubemock as a container: HTTPS on 6443, the kubeconfig and certificates kept in /kubemock.
#   docker run -p 6443:6443 -v "$PWD/kubemock:/kubemock" kubemock
# The kubeconfig points at https://127.0.0.1:6443 (the published port); when clients reach the
# container by another name, add --advertise-url https://NAME:6443 --tls-san NAME.
ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY server server
COPY openapi openapi
COPY testkit testkit
COPY tools/start-objects tools/start-objects
COPY tools/bundle tools/bundle
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist/bundle dist/bundle
COPY --from=build /app/dist/server dist/server
COPY --from=build /app/dist/openapi dist/openapi
RUN mkdir /kubemock && chown node:node /kubemock
USER node
EXPOSE 6443
VOLUME /kubemock
HEALTHCHECK --interval=2s --timeout=2s --start-period=2s --retries=5 \
  CMD ["node", "-e", "require('https').get('https://127.0.0.1:6443/readyz', { rejectUnauthorized: false }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
ENTRYPOINT ["node", "dist/bundle/cli.js", "--host", "0.0.0.0", "--port", "6443", "--cert-dir", "/kubemock/certs", "--kubeconfig", "/kubemock/kubeconfig", "--kubeconfig-mode", "0644"]
