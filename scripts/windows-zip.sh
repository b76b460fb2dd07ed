#!/usr/bin/env bash
# Makes kaoping-<version>-windows-x64.zip for the office's Windows PCs, built on Linux:
# kaoping.exe (fonts and templates are inside it), 使用说明.txt and the sample workbook.
# Installs what it needs (the Rust target, MinGW's linker, zip) on a Debian machine.
#
#   scripts/windows-zip.sh [OUTPUT_DIR]     default: dist/
#
# Prints the zip's path on its last line. CARGO_TARGET_DIR is honoured.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out_dir=${1:-dist}
target=x86_64-pc-windows-gnu
export CARGO_TERM_COLOR=never

scripts/windows/install-tools.sh build

cargo build --release --locked --target "$target" >&2
target_dir=${CARGO_TARGET_DIR:-$root/target}
exe=$target_dir/$target/release/kaoping.exe

version=$(cargo pkgid | sed 's/.*[#@]//')
name=kaoping-$version-windows-x64
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$name"
cp "$exe" "$stage/$name/kaoping.exe"
cp input/*.xlsx "$stage/$name/"
# Notepad before Windows 10 1903 reads a text file as GBK unless it starts with a BOM, and
# shows LF-only lines as one long line.
{ printf '\xef\xbb\xbf'; sed 's/$/\r/' scripts/windows/使用说明.txt; } >"$stage/$name/使用说明.txt"

# The same files give the same zip: fixed times, no extra attributes, names in UTF-8
# flagged as such so Explorer shows the Chinese names.
find "$stage/$name" -exec touch -d '2000-01-01 00:00:00 UTC' {} +
mkdir -p "$out_dir"
zip_path=$(realpath "$out_dir")/$name.zip
rm -f "$zip_path"
(cd "$stage" && TZ=UTC zip -q -X -r -UN=UTF8 "$zip_path" "$name")
echo "$zip_path"
