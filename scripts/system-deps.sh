#!/usr/bin/env bash
# Check (and, where we may, install) the Debian packages Assist needs.
#
#   scripts/system-deps.sh            everything: runtime + what the tests need
#   scripts/system-deps.sh runtime    only what the app itself needs (`make run`)
#
# Runtime:
#   fonts-noto-cjk        Noto Sans/Serif CJK, so Chinese text renders in PDFs
#   libpango-1.0-0        \ text layout for WeasyPrint
#   libpangoft2-1.0-0     /
#   libharfbuzz-subset0   fast font subsetting in WeasyPrint (else fontTools, slow)
# Tests:
#   poppler-utils         pdftoppm/pdftotext, to look inside generated PDFs
#   chromium              /usr/bin/chromium for the browser tests (Playwright)
#
# When everything is installed this is a single dpkg-query call and exits 0
# at once. When something is missing it installs it with apt-get if it runs as
# root (or has passwordless sudo); otherwise it names the packages and the
# command to install them, and exits 1.
#
# ASSIST_SKIP_SYSTEM_DEPS=1 skips the check (e.g. a non-Debian machine where
# you have provided the libraries some other way).
set -euo pipefail

RUNTIME_PKGS=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
TEST_PKGS=(poppler-utils chromium)

usage() {
    sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
}

mode=${1:-all}
case "$mode" in
    runtime) pkgs=("${RUNTIME_PKGS[@]}") ;;
    all) pkgs=("${RUNTIME_PKGS[@]}" "${TEST_PKGS[@]}") ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        echo "system-deps.sh: unknown argument '$mode'" >&2
        usage >&2
        exit 2
        ;;
esac

if [[ ${ASSIST_SKIP_SYSTEM_DEPS:-} == 1 ]]; then
    echo "system-deps.sh: ASSIST_SKIP_SYSTEM_DEPS=1, not checking: ${pkgs[*]}" >&2
    exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "system-deps.sh: dpkg-query not found; this script knows Debian/Ubuntu only." >&2
    echo "  Assist needs the equivalents of these Debian packages: ${pkgs[*]}" >&2
    echo "  Install them by hand, then run with ASSIST_SKIP_SYSTEM_DEPS=1." >&2
    exit 1
fi

# Print the packages (of those given) that are not installed. One dpkg-query
# call for all of them; packages dpkg has never heard of print nothing (their
# error goes to /dev/null) and so count as missing. The status field is
# "want flag status", e.g. "install ok installed" or "hold ok installed".
missing_of() {
    local installed
    installed=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null |
        awk '$NF == "installed" { print $1 }' || true)
    local p
    for p in "$@"; do
        if ! grep -qxF -- "$p" <<<"$installed"; then
            printf '%s\n' "$p"
        fi
    done
}

mapfile -t missing < <(missing_of "${pkgs[@]}")
if ((${#missing[@]} == 0)); then
    exit 0
fi

install_cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"

sudo=()
can_install=0
if command -v apt-get >/dev/null 2>&1; then
    if [[ $(id -u) == 0 ]]; then
        can_install=1
    elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
        sudo=(sudo -n)
        can_install=1
    fi
fi

if ((!can_install)); then
    {
        echo "system-deps.sh: missing Debian packages: ${missing[*]}"
        echo "  Install them as root with:"
        echo "    sudo sh -c '$install_cmd'"
    } >&2
    exit 1
fi

echo "system-deps.sh: installing missing Debian packages: ${missing[*]}" >&2
# Wait for another apt/dpkg run to let go of its lock instead of failing.
apt_opts=(-o DPkg::Lock::Timeout=300)
if ! "${sudo[@]}" apt-get "${apt_opts[@]}" update; then
    echo "system-deps.sh: 'apt-get update' failed (see above); needed: ${missing[*]}" >&2
    exit 1
fi
if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}"; then
    echo "system-deps.sh: 'apt-get install' failed (see above) for: ${missing[*]}" >&2
    exit 1
fi

mapfile -t still < <(missing_of "${missing[@]}")
if ((${#still[@]} > 0)); then
    echo "system-deps.sh: still missing after apt-get install: ${still[*]}" >&2
    exit 1
fi
echo "system-deps.sh: installed ${missing[*]}" >&2
