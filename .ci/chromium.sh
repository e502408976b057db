# Install Chromium (Debian package) for the run report's browser test, if it is missing.
# Sourced by tests/run.sh. The test starts its own headless browser with a fresh profile.
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
  if command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium (Debian package) for the report's browser test" >&2
    $SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null \
      || echo "could not install chromium: the report's browser test will be skipped (or fail under CI)" >&2
  fi
fi
