#!/usr/bin/env bash
# Makes kaoping-<version>-windows-x64.zip for the office's Windows PCs, built on Linux:
# kaoping.exe (fonts and templates are inside it), 使用说明.txt and the sample workbook.
# Installs what it needs (the Rust target, MinGW's linker, Python) on a Debian machine.
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

# The same files give the same zip: fixed times and order. Python's zipfile flags the
# names as UTF-8 (Info-ZIP's zip does not), so Explorer shows the Chinese names.
mkdir -p "$out_dir"
zip_path=$(realpath "$out_dir")/$name.zip
python3 - "$stage" "$name" "$zip_path" <<'PY'
import os, sys, zipfile
stage, name, zip_path = sys.argv[1:]
files = sorted(
    os.path.relpath(os.path.join(d, f), stage)
    for d, _, fs in os.walk(os.path.join(stage, name)) for f in fs
)
with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
    for rel in files:
        info = zipfile.ZipInfo(rel.replace(os.sep, "/"), date_time=(2000, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with open(os.path.join(stage, rel), "rb") as f:
            z.writestr(info, f.read())
PY
echo "$zip_path"
