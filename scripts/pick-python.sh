#!/usr/bin/env bash
# Print the Python interpreter to build .venv with (used by the Makefile when PYTHON is unset).
#
# Prefers the distribution's /usr/bin/python3 when it is 3.11+ and can make a venv:
# Debian and Ubuntu build it with profile-guided optimisation and LTO, and the PDF
# engine (pure-Python WeasyPrint) runs about 15 % faster on it than on a plain source
# build such as pyenv's default (bench/case_file_bench.py, see README "Benchmarks").
# Otherwise the first python3 on PATH.
set -euo pipefail

usable() {
    "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1
}

for candidate in /usr/bin/python3 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && usable "$candidate"; then
        echo "$candidate"
        exit 0
    fi
done
echo python3
