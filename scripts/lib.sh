# Shared by the project scripts: make sure the two system libraries of the architecture are present.
# shellcheck shell=bash
need_system_libraries() {
  local missing=()
  [ -f /usr/include/argon2.h ] || missing+=(libargon2-dev)
  [ -f /usr/include/qrencode.h ] || missing+=(libqrencode-dev)
  if [ ${#missing[@]} -eq 0 ]; then return 0; fi
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "Installing ${missing[*]} …" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "EduSSO needs these system libraries: ${missing[*]}" >&2
    echo "Install them with: sudo apt-get install ${missing[*]}   (macOS: brew install argon2 qrencode)" >&2
    exit 1
  fi
}

# The tests also decode QR codes with an independent reader: zbarimg (Debian's zbar-tools).
need_test_tools() {
  command -v zbarimg >/dev/null 2>&1 && return 0
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "Installing zbar-tools …" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zbar-tools >/dev/null
  else
    echo "The tests need zbarimg. Install it with: sudo apt-get install zbar-tools   (macOS: brew install zbar)" >&2
    exit 1
  fi
}
