# Install wget (Debian package) if it is missing: the WARC tests write their fixtures with
# `wget --warc-file` against the sample server. Sourced by tests/run.sh.
if ! command -v wget >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
  if command -v apt-get >/dev/null 2>&1; then
    echo "installing wget (Debian package) for the WARC tests" >&2
    $SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq wget >/dev/null \
      || echo "could not install wget: the WARC tests that need it will be skipped (or fail under CI)" >&2
  fi
fi
