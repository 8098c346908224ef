#!/bin/sh
# Audit the pinned requirements for known vulnerabilities with pip-audit (pinned in
# requirements-dev.txt). pip-audit asks a vulnerability service (PyPI's JSON API / OSV);
# where that is unreachable the audit cannot run: say so plainly and exit 0, unless
# AUDIT_REQUIRED=1 (release machines, CI with network access) makes that a failure.
#
#   scripts/audit-deps.sh                 # audit requirements.txt and requirements-dev.txt
#   AUDIT_REQUIRED=1 scripts/audit-deps.sh
set -u
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PIP_AUDIT=${PIP_AUDIT:-$VENV/bin/pip-audit}
SERVICE=${AUDIT_SERVICE:-pypi}          # pypi | osv
TIMEOUT=${AUDIT_TIMEOUT:-20}

if [ ! -x "$PIP_AUDIT" ]; then
    PIP_AUDIT=$(command -v pip-audit || true)
fi
if [ -z "$PIP_AUDIT" ]; then
    echo "audit-deps: pip-audit is not installed (pip install -r requirements-dev.txt)" >&2
    exit 2
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
# --no-deps/--disable-pip: the files are fully pinned, nothing is installed or resolved.
"$PIP_AUDIT" --progress-spinner off --vulnerability-service "$SERVICE" --timeout "$TIMEOUT" \
    --disable-pip --no-deps -r requirements.txt -r requirements-dev.txt >"$out" 2>&1 || rc=$?
cat "$out"
# When the service cannot be reached pip-audit may still exit 0, having skipped every
# package ("could not be audited"): that is no audit at all, never a clean bill.
skipped=$(grep -c "could not be audited" "$out" || true)
if [ "$rc" -eq 0 ] && [ "$skipped" -eq 0 ]; then
    echo "audit-deps: no known vulnerabilities in the pinned requirements"
    exit 0
fi
if [ "$skipped" -gt 0 ] && ! grep -qE "^Found [0-9]+ known vulnerabilit" "$out"; then
    echo "audit-deps: $skipped pinned packages could NOT be audited: the vulnerability" \
        "service ($SERVICE) is unreachable from this machine or does not know them." >&2
    if [ "${AUDIT_REQUIRED:-0}" = "1" ]; then
        exit 1
    fi
    echo "audit-deps: set AUDIT_REQUIRED=1 to make this a failure." >&2
    exit 0
fi
if grep -qiE "connection|timed? ?out|name resolution|max retries|unreachable|network|ssl|proxy" "$out" \
    && ! grep -qE "^Found [0-9]+ known vulnerabilit" "$out"; then
    echo "audit-deps: the vulnerability service ($SERVICE) is unreachable from this machine;" \
        "the dependencies were NOT audited." >&2
    if [ "${AUDIT_REQUIRED:-0}" = "1" ]; then
        exit 1
    fi
    echo "audit-deps: set AUDIT_REQUIRED=1 to make this a failure." >&2
    exit 0
fi
echo "audit-deps: pip-audit reported vulnerabilities (or failed); see above" >&2
exit "$rc"
