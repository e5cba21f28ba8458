#!/usr/bin/env bash
# What the browser tests need (tests/browser/, pytest marker `browser`): Debian's headless
# Chromium and its chromedriver, and axe-core from npm in a project-local, gitignored folder.
#
#   scripts/install-browser.sh          # idempotent; prints one line per part
#
# Chromium comes from Debian's `chromium` and `chromium-driver` packages (apt-get, run as root,
# non-interactive) and is installed only when /usr/bin/chromium or /usr/bin/chromedriver is
# missing. axe-core is pinned below (AXE_VERSION) and installed with npm into .cache/axe/, which
# the tests read (node_modules/axe-core/axe.min.js); nothing is downloaded at test time.
set -euo pipefail
cd "$(dirname "$0")/.."

AXE_VERSION="4.14.1"
AXE_DIR=".cache/axe"

# --- Chromium and chromedriver ---------------------------------------------------------------
if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  echo "chromium: present ($(/usr/bin/chromium --version 2>/dev/null | head -n 1))"
else
  if [[ $(id -u) -ne 0 ]]; then
    echo "chromium: missing, and installing it needs root (apt-get install chromium chromium-driver)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
  echo "chromium: installed ($(/usr/bin/chromium --version 2>/dev/null | head -n 1))"
fi

# --- axe-core --------------------------------------------------------------------------------
axe_js="$AXE_DIR/node_modules/axe-core/axe.min.js"
installed=""
if [[ -f "$AXE_DIR/node_modules/axe-core/package.json" ]]; then
  installed=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$AXE_DIR/node_modules/axe-core/package.json" | head -n 1)
fi
if [[ -f "$axe_js" && "$installed" == "$AXE_VERSION" ]]; then
  echo "axe-core: present ($AXE_VERSION in $AXE_DIR)"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "axe-core: npm is missing (apt-get install npm, or install Node.js)" >&2
  exit 1
fi
mkdir -p "$AXE_DIR"
# .cache/ holds generated files only: it ignores itself, whatever the repository's .gitignore says
[[ -f .cache/.gitignore ]] || printf '*\n' > .cache/.gitignore
cat > "$AXE_DIR/package.json" <<JSON
{
  "name": "openblotter-browser-tests",
  "private": true,
  "description": "axe-core for the accessibility tests (scripts/install-browser.sh)",
  "dependencies": {
    "axe-core": "$AXE_VERSION"
  }
}
JSON
npm install --prefix "$AXE_DIR" --no-audit --no-fund --loglevel=error --save-exact >/dev/null
[[ -f "$axe_js" ]] || { echo "axe-core: npm finished but $axe_js is missing" >&2; exit 1; }
echo "axe-core: installed ($AXE_VERSION in $AXE_DIR)"
