#!/usr/bin/env bash
# The README's main command: installs what is needed (Debian packages when missing, then npm ci) and runs every
# notebook headless with its default parameters, writing executed notebooks and exported figures into reports/.
# Extra arguments go to the notebook runner (e.g. --quick, or notebook paths).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
npm ci --no-audit --no-fund
exec node scripts/run-notebooks.js "$@"
