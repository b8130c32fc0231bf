#!/usr/bin/env bash
# Runs the Python client's tests (stdlib unittest), in well under a minute.
#
# Uses $PYTHON (default python3) if it has numpy; otherwise creates clients/python/.venv and
# installs the pinned numpy from PyPI into it. Live tests: the ring tests run
# `segctl ring write` ($SEGCTL, default .build/release/segctl of the repository) and skip when it
# is missing; the socket tests run $SEGD_TEST_SERVER_CMD (a shell command with {socket} and
# optionally {ring}) and skip when it is unset. Arguments go to unittest (e.g. -v, or a test name
# instead of discovery: tests.test_ring).
set -euo pipefail

NUMPY_VERSION=2.4.6
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3}"

if ! "$python" -c 'import numpy' 2>/dev/null; then
    venv="$here/.venv"
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    if ! "$venv/bin/python" -c 'import numpy' 2>/dev/null; then
        "$venv/bin/python" -m pip install --quiet "numpy==$NUMPY_VERSION"
    fi
    python="$venv/bin/python"
fi

cd "$here"
if [ "$#" -gt 0 ] && [[ "$1" != -* ]]; then
    exec "$python" -m unittest "$@"
fi
exec "$python" -m unittest discover -s tests -t . "$@"
