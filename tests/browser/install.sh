#!/usr/bin/env bash
# Installs playwright-core (pinned by package-lock.json) for the browser tests.
# Idempotent: does nothing when the locked version is already installed.
# No browser is ever downloaded: the tests drive Debian's /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")"
want=$(node -e 'console.log(require("./package-lock.json").packages["node_modules/playwright-core"].version)')
have=$(node -e 'try{console.log(require("./node_modules/playwright-core/package.json").version)}catch(e){console.log("")}')
if [ "$want" = "$have" ]; then
  echo "browser tests: playwright-core $have present"
  exit 0
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm ci --no-audit --no-fund --loglevel=error
