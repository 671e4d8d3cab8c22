#!/usr/bin/env bash
# System packages the test suite needs, from Debian's archive: Chromium for the browser tests
# and the PostgreSQL server for the shared-store tests. Installed only when missing; when we are
# not root and have no sudo, say so (those tests then skip with a reason).
set -euo pipefail
want=()
command -v chromium >/dev/null 2>&1 || want+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || want+=(postgresql)
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "note: cannot install ${want[*]} (not root, no sudo); their tests will be skipped" >&2
  exit 0
fi
echo "installing ${want[*]} from Debian's archive" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
