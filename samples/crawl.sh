#!/usr/bin/env bash
# README command 1: set up, start the sample sites, crawl them, stop, show the dump.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/venv.sh
exec .venv/bin/python samples/crawl.py "$@"
