#!/usr/bin/env bash
# Installs the clients the specs drive kubemock with besides client-node 1.x, once, into .cache/
# (ignored by git): the Python client, the client-go program, the controller-runtime envtest suite,
# and client-node 2.x with the Node 24
# it needs (from the npm registry's node package).
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.cache/python
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import kubernetes' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check kubernetes==32.0.1
fi

# The client-go program is rebuilt only when its sources change: the hash of the sources it was
# built from is kept beside the binary.
go_sources=spec/clients/go
go_binary=.cache/go-client
if ! command -v go >/dev/null 2>&1; then
  echo "spec/clients/install.sh: the client-go spec needs Go (1.23 or later) on the PATH" >&2
  exit 1
fi
sources_hash=$(cd "$go_sources" && sha256sum go.mod go.sum ./*.go | sha256sum | cut -d' ' -f1)
if [ ! -x "$go_binary" ] || [ "$(cat "$go_binary.sha256" 2>/dev/null)" != "$sources_hash" ]; then
  mkdir -p .cache
  go -C "$go_sources" build -o "$PWD/$go_binary" .
  echo "$sources_hash" > "$go_binary.sha256"
fi

# The controller-runtime envtest suite, compiled to a test binary the same way (its sources' hash
# beside it); spec/envtest.spec.ts runs it against kubemock.
envtest_sources=spec/clients/envtest
envtest_binary=.cache/envtest-suite
envtest_hash=$(cd "$envtest_sources" && sha256sum go.mod go.sum ./*.go | sha256sum | cut -d' ' -f1)
if [ ! -x "$envtest_binary" ] || [ "$(cat "$envtest_binary.sha256" 2>/dev/null)" != "$envtest_hash" ]; then
  mkdir -p .cache
  go -C "$envtest_sources" test -c -o "$PWD/$envtest_binary" .
  echo "$envtest_hash" > "$envtest_binary.sha256"
fi

client_node_2=.cache/client-node-2
if [ ! -x "$client_node_2/node_modules/.bin/node" ] || [ ! -d "$client_node_2/node_modules/@kubernetes/client-node" ]; then
  mkdir -p "$client_node_2"
  npm install --prefix "$client_node_2" --no-audit --no-fund --no-save --loglevel=error node@24 @kubernetes/client-node@2.0.1
fi
