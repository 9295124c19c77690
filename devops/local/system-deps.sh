#!/usr/bin/env bash
# What `make test` needs from the system: Chromium at /usr/bin/chromium, PostgreSQL's server
# binaries, PgBouncer, fonts, and Node.js with npm (the SSO tests' OpenID provider). As root it installs what is missing; otherwise it stops at once
# and prints the exact command to run. (Paths and the uid can be overridden for the script's test.)
set -euo pipefail

CHROMIUM_BIN=${CHROMIUM_BIN:-/usr/bin/chromium}
INITDB_GLOB=${INITDB_GLOB:-/usr/lib/postgresql/*/bin/initdb}
PGBOUNCER_BIN=${PGBOUNCER_BIN:-/usr/sbin/pgbouncer}
FONT_FILE=${FONT_FILE:-/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf}
NODE_BIN=${NODE_BIN:-node}
NPM_BIN=${NPM_BIN:-npm}
APT_GET=${APT_GET:-apt-get}
USER_ID=${SYSTEM_DEPS_UID:-$(id -u)}

missing=()
[[ -x $CHROMIUM_BIN ]] || missing+=(chromium)
# shellcheck disable=SC2086 # the glob must expand
compgen -G $INITDB_GLOB >/dev/null || missing+=(postgresql)
[[ -x $PGBOUNCER_BIN ]] || missing+=(pgbouncer)
[[ -f $FONT_FILE ]] || missing+=(fonts-dejavu-core)
command -v "$NODE_BIN" >/dev/null || missing+=(nodejs)
command -v "$NPM_BIN" >/dev/null || missing+=(npm)
((${#missing[@]})) || exit 0

install="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $USER_ID -ne 0 ]]; then
  echo "make test needs system packages that are missing: ${missing[*]}" >&2
  echo "Run this once, then make test again:" >&2
  echo "  sudo sh -c '$install'" >&2
  exit 1
fi
echo "installing missing system packages: ${missing[*]}"
DEBIAN_FRONTEND=noninteractive "$APT_GET" update -q
DEBIAN_FRONTEND=noninteractive "$APT_GET" install -y -q --no-install-recommends "${missing[@]}"
