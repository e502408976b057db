# Install redis-server (Debian package) for the distributed-mode tests, if it is missing.
# Sourced by tests/run.sh. Tests start their own server on a free 127.0.0.1 port.
if ! command -v redis-server >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
  if command -v apt-get >/dev/null 2>&1; then
    echo "installing redis-server (Debian package) for the distributed-mode tests" >&2
    $SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq redis-server >/dev/null \
      || echo "could not install redis-server: the distributed-mode tests will be skipped (or fail under CI)" >&2
  fi
fi
