#!/usr/bin/env bash
# README command 2: set up and run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/venv.sh
source .ci/redis.sh
source .ci/chromium.sh
source .ci/wget.sh
exec .venv/bin/python -m pytest "$@"
