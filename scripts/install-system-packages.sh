#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages rfm-lab uses (environment.md says why each is needed).
# Skips what is already installed; needs root or sudo only when something is missing.
set -euo pipefail

PACKAGES=(
  g++ make python3                     # node-gyp builds the native addon
  libopenblas-dev liblapacke-dev        # the native backend's BLAS and LAPACK
  chromium fonts-dejavu-core            # PNG/SVG export of figures, headless
  jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel   # running and opening the notebooks
  poppler-utils                         # pdftotext, a second opinion on PDF extraction in the tests
)

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system-packages: no apt-get here; install the equivalents of: ${PACKAGES[*]}" >&2
  exit 0
fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system-packages: all present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
echo "install-system-packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
