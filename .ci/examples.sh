#!/usr/bin/env bash
# CI: packs kubemock as `npm publish` would, installs the tarball into a copy of each example
# project under examples/ and runs its tests: the Node ones on Node 20 (the machine's), 22 and 24,
# the Python and Go ones with the machine's Node serving. Projects run in parallel.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cache=$root/.cache
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

node_projects=(mocha mocha-tsx nock node-test vitest jest ts-jest website-operator)
other_projects=(python go)
# A run that outlives this hangs (a server left open keeps mocha alive, say): it fails.
test_timeout=300

node_bin() {
  local major=$1
  if [ "$major" = 20 ]; then dirname "$(command -v node)"; return; fi
  local prefix=$cache/node-$major
  if [ ! -x "$prefix/node_modules/node/bin/node" ]; then
    npm install --prefix "$prefix" --no-audit --no-fund --no-save --loglevel=error "node@$major" >/dev/null
  fi
  echo "$prefix/node_modules/node/bin"
}

echo "examples: packing kubemock"
tarball=$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)
tar -tzf "$tarball" >"$work/contents"
grep -qx 'package/dist/testkit/index.d.ts' "$work/contents" || { echo "examples: the package lacks the testkit's types"; exit 1; }
if grep -E '^package/(spec|bench|examples)/|\.ts$' "$work/contents" | grep -v '\.d\.ts$' | grep -q .; then
  echo "examples: the package ships sources or specs:"; grep -E '^package/(spec|bench|examples)/|\.ts$' "$work/contents" | grep -v '\.d\.ts$' | head; exit 1
fi
node22=$(node_bin 22)
node24=$(node_bin 24)

python_venv=$cache/python
if ! "$python_venv/bin/python" -c 'import pytest, kubernetes' 2>/dev/null; then
  [ -x "$python_venv/bin/python" ] || python3 -m venv "$python_venv"
  "$python_venv/bin/pip" install --quiet --disable-pip-version-check -r examples/python/requirements.txt
fi

# npm test in $1 with $2 first on the PATH, stopped (and said so) past the time limit.
bounded_test() {
  local status=0
  (cd "$1" && PATH=$2:$PATH timeout "$test_timeout" npm test) || status=$?
  if [ "$status" = 124 ]; then echo "examples: npm test ran past ${test_timeout}s and was stopped"; fi
  return "$status"
}

run_project() {
  local name=$1 dir=$work/$1 log=$work/$1.log
  cp -r "examples/$name" "$dir"
  rm -rf "$dir/node_modules"
  {
    echo "== $name: npm install (kubemock from $(basename "$tarball"))"
    (cd "$dir" && npm install --no-audit --no-fund --no-package-lock --prefer-offline --loglevel=error "$tarball")
    case $name in
      python)
        bounded_test "$dir" "$python_venv/bin"
        ;;
      go)
        bounded_test "$dir" "$(dirname "$(command -v go)")"
        ;;
      *)
        for bin in "$(dirname "$(command -v node)")" "$node22" "$node24"; do
          echo "== $name on Node $("$bin/node" --version)"
          bounded_test "$dir" "$bin"
        done
        ;;
    esac
  } >"$log" 2>&1
}

declare -A pids
for name in "${node_projects[@]}" "${other_projects[@]}"; do
  run_project "$name" &
  pids[$name]=$!
  # Two cores: keep three installs or test runs going at a time.
  while [ "$(jobs -rp | wc -l)" -ge 3 ]; do sleep 0.2; done
done

failed=0
for name in "${node_projects[@]}" "${other_projects[@]}"; do
  status=0
  wait "${pids[$name]}" || status=$?
  cat "$work/$name.log"
  if [ $status != 0 ]; then
    echo "examples: $name FAILED"; failed=1
  else
    echo "examples: $name passed"
  fi
done
exit $failed
