#!/usr/bin/env bash
# Installs what building kaoping for Windows on Debian needs, only what is missing:
#   build   the Rust target x86_64-pc-windows-gnu, MinGW's gcc (the linker), Python (zip)
#   wine    the above and Wine, to run kaoping.exe here (scripts/windows-check.sh)
set -euo pipefail
need=${1:-build}
target=x86_64-pc-windows-gnu

if ! rustup target list --installed | grep -qx "$target"; then
  echo "installing the Rust target $target" >&2
  rustup target add "$target" >&2
fi

packages=()
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || packages+=(gcc-mingw-w64-x86-64)
command -v python3 >/dev/null 2>&1 || packages+=(python3)
if [ "$need" = wine ]; then
  command -v unzip >/dev/null 2>&1 || packages+=(unzip)
  command -v zip >/dev/null 2>&1 || packages+=(zip)
  command -v wine >/dev/null 2>&1 || packages+=(wine wine64)
  command -v curl >/dev/null 2>&1 || packages+=(curl)
fi
if [ ${#packages[@]} -gt 0 ]; then
  echo "installing ${packages[*]}" >&2
  # Debian's apt: wait for another apt or dpkg to finish rather than fail on its lock.
  apt-get update -qq >&2
  apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${packages[@]}" >/dev/null
fi
