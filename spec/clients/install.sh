#!/usr/bin/env bash
# Installs the non-JavaScript clients the specs drive kubemock with, once, into .cache/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.cache/python
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import kubernetes' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check kubernetes==32.0.1
fi
