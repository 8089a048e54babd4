# Used by test.sh: the Chromium the dashboard's browser tests drive (Microsoft.Playwright over CDP, no browser
# download). Debian's package, installed by apt when missing (needs root, as in CI). Source it; it defines functions only.

# chromium_install: exports TASKFLOW_CHROMIUM, the browser's path, installing Debian's chromium first if needed.
chromium_install() {
  if [[ -n ${TASKFLOW_CHROMIUM:-} ]]; then
    [[ -x $TASKFLOW_CHROMIUM ]] && return 0
    echo "TASKFLOW_CHROMIUM=$TASKFLOW_CHROMIUM is not an executable." >&2
    return 1
  fi
  if ! command -v chromium >/dev/null; then
    if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
      echo "Chromium not found: install Debian's chromium (sudo apt-get install chromium) or set TASKFLOW_CHROMIUM." >&2
      return 1
    fi
    echo "Installing Debian's chromium (apt-get) for the dashboard's browser tests…" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2
  fi
  TASKFLOW_CHROMIUM=$(command -v chromium)
  export TASKFLOW_CHROMIUM
}
