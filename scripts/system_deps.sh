#!/usr/bin/env bash
# Install from Debian's packages what the tests need and a fresh machine lacks: Chromium (browser tests),
# a PostgreSQL server (the second test run and the load benchmark), GNU gettext (the catalogues' test), a font
# (readable screenshots and PDFs) and Pango (WeasyPrint draws the PDF reports' text with it).
# With --run, only what serving the app needs (the font and Pango), for `make run`.
# Does nothing, and needs no network, when everything is already there.
set -euo pipefail
need=()
if [ "${1:-}" != "--run" ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  # GNU gettext's xgettext: the test that every string marked for translation is in the Welsh and Urdu catalogues.
  command -v xgettext >/dev/null 2>&1 || need+=(gettext)
fi
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
# WeasyPrint (PDF reports) draws text with Pango.
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
command -v runuser >/dev/null 2>&1 || need+=(util-linux)
[ ${#need[@]} -eq 0 ] && exit 0

echo "Installing from Debian's packages: ${need[*]}"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "Not root and no sudo: install these packages as root, then run this again: ${need[*]}" >&2
  exit 1
fi
command -v apt-get >/dev/null 2>&1 || {
  echo "apt-get is missing (not Debian?): install ${need[*]} with your system's package manager." >&2
  exit 1
}
"${SUDO[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "Installed: ${need[*]}"
