#!/usr/bin/env bash
# CI: builds the Docker image and runs it as a user would: published port, mounted kubeconfig folder,
# healthy by its HEALTHCHECK, driven with kubectl, then stopped.
#
# CI machines reach Debian's package mirror and the npm registry but no image registry, so the
# Node base image the Dockerfile names is built here as a stand-in: a minimal Debian (debootstrap)
# with Node from the npm registry's node package and the machine's npm, imported and tagged as that
# base. Where no Docker daemon can run, this prints why and exits 0; where one can, every step must pass.
set -euo pipefail
cd "$(dirname "$0")/.."

base_image=$(sed -n 's/^ARG NODE_IMAGE=//p' Dockerfile)
node_major=$(echo "$base_image" | sed -n 's/^node:\([0-9]*\)-slim$/\1/p')
cache=${KUBEMOCK_CI_CACHE:-$HOME/.cache/kubemock-ci}
image=kubemock:ci
container=kubemock-ci-$$
work=$(mktemp -d)
started_dockerd=

log() { echo "docker-ci: $*"; }
cleanup() {
  docker rm -f "$container" >/dev/null 2>&1 || true
  if [ -n "$started_dockerd" ]; then kill "$started_dockerd" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cannot() {
  log "SKIPPED: the Docker image cannot be built and run on this machine: $*"
  exit 0
}

if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then cannot "docker.io and debootstrap are not installed and installing them needs root"; fi
  log "installing Debian's docker.io and debootstrap"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then cannot "no Docker daemon answers and starting one needs root"; fi
  log "starting dockerd"
  dockerd >"$work/dockerd.log" 2>&1 &
  started_dockerd=$!
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    if ! kill -0 "$started_dockerd" 2>/dev/null; then
      cannot "dockerd exited at start: $(tail -n 3 "$work/dockerd.log" | tr '\n' ' ')"
    fi
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || cannot "dockerd did not answer within 30 s: $(tail -n 3 "$work/dockerd.log" | tr '\n' ' ')"
fi

# The stand-in base: rebuilt when missing; the debootstrapped Debian is cached as a tarball.
if ! docker image inspect "$base_image" >/dev/null 2>&1; then
  node_pkg="$cache/node-$node_major"
  if [ ! -x "$node_pkg/node_modules/node/bin/node" ]; then
    log "fetching Node $node_major from the npm registry"
    npm install --prefix "$node_pkg" --no-audit --no-fund --no-save --loglevel=error "node@$node_major" >/dev/null
  fi
  rootfs_tar="$cache/debian-bookworm-minbase.tar"
  if [ ! -f "$rootfs_tar" ]; then
    log "debootstrapping a minimal Debian bookworm"
    mkdir -p "$cache"
    debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
      { tail -n 20 "$work/debootstrap.log"; exit 1; }
    tar -C "$work/rootfs" -cf "$rootfs_tar.partial" . && mv "$rootfs_tar.partial" "$rootfs_tar"
    rm -rf "$work/rootfs"
  fi
  log "assembling the stand-in for $base_image"
  mkdir -p "$work/base"
  tar -C "$work/base" -xf "$rootfs_tar"
  install -m 0755 "$node_pkg/node_modules/node/bin/node" "$work/base/usr/local/bin/node"
  mkdir -p "$work/base/usr/local/lib/node_modules"
  cp -a "$(npm root -g)/npm" "$work/base/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/base/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/base/usr/local/bin/npx"
  # The official image's unprivileged user.
  chroot "$work/base" /usr/sbin/groupadd --gid 1000 node
  chroot "$work/base" /usr/sbin/useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  rm -rf "$work/base/var/cache/apt/archives"/*.deb "$work/base/var/lib/apt/lists"/*
  changes=(--change 'CMD ["node"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
  # Where this machine reaches the registry through a proxy with its own CA, the build inside the
  # stand-in needs that CA too, as Node here gets it.
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
    install -D -m 0644 "$NODE_EXTRA_CA_CERTS" "$work/base/etc/ssl/certs/ci-extra-ca.crt"
    changes+=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ci-extra-ca.crt')
  fi
  tar -C "$work/base" -c . | docker import "${changes[@]}" - "$base_image" >/dev/null
  rm -rf "$work/base"
fi

log "building $image"
docker build --network host -t "$image" . >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; exit 1; }

mkdir -m 0777 "$work/mount"
port=$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")
log "running it on 127.0.0.1:$port"
docker run -d --name "$container" -p "127.0.0.1:$port:6443" -v "$work/mount:/kubemock" "$image" \
  --advertise-url "https://127.0.0.1:$port" --tls-san kubemock.example >/dev/null

for _ in $(seq 1 60); do
  health=$(docker inspect -f '{{.State.Health.Status}}' "$container")
  [ "$health" = healthy ] && break
  [ "$(docker inspect -f '{{.State.Running}}' "$container")" = true ] || { docker logs "$container"; exit 1; }
  sleep 0.5
done
[ "$health" = healthy ] || { log "container never became healthy ($health)"; docker logs "$container"; exit 1; }

[ "$(docker exec "$container" id -u)" != 0 ] || { log "the container runs as root"; exit 1; }
[ "$(stat -c %a "$work/mount/kubeconfig")" = 644 ] || { log "the kubeconfig is not world-readable"; exit 1; }
export KUBECONFIG="$work/mount/kubeconfig"
grep -q "server: \"https://127.0.0.1:$port\"" "$KUBECONFIG" || { log "the kubeconfig does not name the advertised address"; cat "$KUBECONFIG"; exit 1; }
kubectl get namespaces
kubectl create configmap from-ci --from-literal=a=1
[ "$(kubectl get configmap from-ci -o jsonpath='{.data.a}')" = 1 ] || { log "kubectl could not read back what it wrote"; exit 1; }
openssl_names=$(docker exec "$container" node -e "const c = new (require('crypto').X509Certificate)(require('fs').readFileSync('/kubemock/certs/apiserver.crt')); console.log(c.subjectAltName)")
echo "$openssl_names" | grep -q 'DNS:kubemock.example' || { log "--tls-san is missing from the serving certificate: $openssl_names"; exit 1; }

docker stop -t 5 "$container" >/dev/null
[ "$(docker inspect -f '{{.State.ExitCode}}' "$container")" = 0 ] || { log "the container did not stop cleanly"; docker logs "$container"; exit 1; }
log "image built, ran healthy as $(docker image inspect -f '{{.Config.User}}' "$image"), served kubectl on the published port and stopped cleanly"
