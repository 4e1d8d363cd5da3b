# kubemock as a container: HTTPS on 6443; the kubeconfig (pointing at 127.0.0.1:6443) and the
# certificates are kept in /kubemock. Publish the port and mount /kubemock to use them:
#   docker run -p 6443:6443 -v "$PWD/kubemock:/kubemock" kubemock
FROM node:20-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/server dist/server
COPY --from=build /app/dist/testkit dist/testkit
COPY --from=build /app/dist/openapi dist/openapi
EXPOSE 6443
VOLUME /kubemock
ENTRYPOINT ["node", "dist/server/cli.js", "--host", "0.0.0.0", "--port", "6443", "--cert-dir", "/kubemock/certs", "--kubeconfig", "/kubemock/kubeconfig"]
