#!/usr/bin/env bash
# Builds the Windows zip (scripts/windows-zip.sh) and checks kaoping.exe under Wine, as the
# office would use it, in a folder whose name has Chinese characters and a space:
#   1. the sample workbook builds;
#   2. every output is byte-identical to the Linux build's (PDFs, xlsx, the manifest);
#   3. `check` on a broken workbook names the sheet and cell, as on Linux;
#   4. `serve` answers on 127.0.0.1 and stops cleanly on Ctrl+C;
#   5. a PDF held open by another program makes the build fail with a message naming it,
#      and every old output stays as it was;
#   6. double-clicked (no arguments, a console of its own) in a folder without workbooks,
#      it writes a blank workbook there and serves the page.
# Installs what it needs (Rust target, MinGW, Wine) on a Debian machine. Slow: a release
# build for Windows, a debug build for Linux, and Wine's first start.
#
#   scripts/windows-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$SECONDS
step() { echo "windows-check: $1 ($((SECONDS - started)) s)"; }
fail() {
  echo "windows-check: FAILED: $1" >&2
  exit 1
}
export CARGO_TERM_COLOR=never

scripts/windows/install-tools.sh wine

work=$(mktemp -d /tmp/kaoping-windows-check.XXXXXX)
servers=()
url=
cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
  wineserver -k 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

step "building the zip"
zip=$(scripts/windows-zip.sh "$work/dist" | tail -1)
echo "  $(basename "$zip"): $(du -h "$zip" | cut -f1)"
step "building kaoping for Linux, the reference"
cargo build --locked >&2
linux=${CARGO_TARGET_DIR:-$root/target}/debug/kaoping

# The office's folder: Chinese characters and a space in its name.
office="$work/考评 办公室"
mkdir -p "$office"
unzip -q "$zip" -d "$office"
app=$(echo "$office"/kaoping-*-windows-x64)
[ -x "$app/kaoping.exe" ] || [ -f "$app/kaoping.exe" ] || fail "kaoping.exe is not in the zip"
[ -f "$app/使用说明.txt" ] || fail "使用说明.txt is not in the zip"
sample=$(cd "$app" && ls ./*.xlsx | sed -n 1p)
sample=${sample#./}
[ -n "$sample" ] || fail "the zip has no sample workbook"

# Wine only: Rust's standard library needs ProcessPrng from bcryptprimitives.dll, which
# Windows 10 and later have and Debian's Wine 8 lacks. Beside the unzipped program, never
# in the zip.
mingw() { x86_64-w64-mingw32-gcc -O2 "$@"; }
tools="$work/tools"
mkdir -p "$tools"
mingw -shared -o "$tools/bcryptprimitives.dll" scripts/windows/process_prng.c
mingw -municode -o "$tools/hold_open.exe" scripts/windows/hold_open.c
cp "$tools/bcryptprimitives.dll" "$app/"

step "starting Wine"
export WINEPREFIX="$work/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
wineboot -i >/dev/null 2>&1

step "1. the sample builds under Wine"
(cd "$app" && wine kaoping.exe build "$sample" -o "输出 文件") >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; fail "kaoping.exe build failed"; }
tail -1 "$work/build.log"
windows_out="$app/输出 文件"
count=$(find "$windows_out" -type f | wc -l)
[ "$count" -gt 2 ] || fail "kaoping.exe build wrote only $count files"

step "2. the same bytes as the Linux build"
"$linux" build "$app/$sample" -o "$work/linux-out" -q
if ! diff -r -x '*.xlsx' "$work/linux-out" "$windows_out" >"$work/diff.log"; then
  cat "$work/diff.log"
  fail "the Windows outputs differ from the Linux outputs"
fi
# The zip library under rust_xlsxwriter records the system that wrote each entry (one byte
# per entry: Unix or DOS); everything inside the workbook must be the same.
xlsx_count=0
while IFS= read -r -d '' xlsx; do
  rel=${xlsx#"$work/linux-out/"}
  for side in linux windows; do mkdir -p "$work/unzipped/$side"; done
  unzip -q -o "$xlsx" -d "$work/unzipped/linux/$rel"
  unzip -q -o "$windows_out/$rel" -d "$work/unzipped/windows/$rel"
  diff <(unzip -Z1 "$xlsx") <(unzip -Z1 "$windows_out/$rel") || fail "$rel: other entries"
  xlsx_count=$((xlsx_count + 1))
done < <(find "$work/linux-out" -name '*.xlsx' -print0)
diff -r "$work/unzipped/linux" "$work/unzipped/windows" || fail "the workbooks' contents differ"
all=$(find "$work/linux-out" -type f | wc -l)
echo "  $((all - xlsx_count)) files byte-identical (.kaoping-manifest included);"
echo "  $xlsx_count workbook(s) with identical contents"

step "3. check on a broken workbook names the cell"
broken="$work/broken"
mkdir -p "$broken/x"
(cd "$broken/x" && unzip -q "$app/$sample")
# The 评分 sheet's first numeric cell gets a score no indicator allows.
scores_id=$(grep -o '<sheet [^>]*name="评分"[^>]*>' "$broken/x/xl/workbook.xml" | grep -o 'r:id="[^"]*"' | cut -d'"' -f2)
scores_xml=$(grep -o "<Relationship [^>]*Id=\"$scores_id\"[^>]*>" "$broken/x/xl/_rels/workbook.xml.rels" | grep -o 'Target="[^"]*"' | cut -d'"' -f2)
scores_xml="$broken/x/xl/${scores_xml#/xl/}"
cell=$(grep -o '<c r="[A-Z]*[0-9]*"\( s="[0-9]*"\)\?><v>[0-9.]*</v></c>' "$scores_xml" | sed -n 1p | cut -d'"' -f2)
[ -n "$cell" ] || fail "no numeric cell in the 评分 sheet"
sed -i "s|\(<c r=\"$cell\"[^>]*><v>\)[0-9.]*\(</v>\)|\19999\2|" "$scores_xml"
(cd "$broken/x" && zip -q -X -r "$broken/评分 有误.xlsx" .)
set +e
(cd "$broken" && wine "$app/kaoping.exe" check "评分 有误.xlsx") >"$work/check-windows.log" 2>&1
windows_status=$?
(cd "$broken" && "$linux" check "评分 有误.xlsx") >"$work/check-linux.log" 2>&1
linux_status=$?
set -e
grep "评分!$cell" "$work/check-windows.log" || { cat "$work/check-windows.log"; fail "check did not name 评分!$cell"; }
[ "$windows_status" = 1 ] || fail "check exited with $windows_status, not 1"
tr -d '\r' <"$work/check-windows.log" | diff "$work/check-linux.log" - \
  || fail "check printed something else than on Linux (exit $linux_status)"
echo "  exit status 1, the same text as on Linux"

# What a program printed, without the cursor movements Wine's console adds under a terminal.
text_of() { sed 's/\x1b\[[?0-9;]*[a-zA-Z]//g; s/\r//g' "$1"; }

# Waits until the page at the address the program printed answers (another program may
# hold the port asked for; kaoping then takes the next). Sets $url.
# wait_for_page PID LOG
wait_for_page() {
  local pid=$1 log=$2
  for _ in $(seq 1 120); do
    url=$(text_of "$log" | grep -o 'http://127\.0\.0\.1:[0-9]*/' | sed -n 1p || true)
    if [ -n "$url" ] && curl -sf "$url" -o "$work/page.html"; then return 0; fi
    kill -0 "$pid" 2>/dev/null || { text_of "$log"; fail "kaoping.exe exited before answering"; }
    sleep 0.5
  done
  text_of "$log"
  fail "no answer from kaoping.exe within 60 s"
}

uploads_left() { find "$WINEPREFIX/drive_c" -name 'kaoping-uploads-*' | grep -q .; }

# After Ctrl+C: exit status 0, the goodbye line, the upload folder removed.
# stopped_cleanly PID LOG
stopped_cleanly() {
  local pid=$1 log=$2 status=0
  wait "$pid" || status=$?
  [ "$status" = 0 ] || { text_of "$log"; fail "exit status $status after Ctrl+C"; }
  text_of "$log" | grep -q "kaoping 网页已退出" || { text_of "$log"; fail "no clean stop after Ctrl+C"; }
  uploads_left && fail "the upload folder was left behind"
  return 0
}

step "4. serve answers on 127.0.0.1 and stops on Ctrl+C"
(cd "$app" && exec wine kaoping.exe serve . --port 18471) </dev/null >"$work/serve.log" 2>&1 &
server=$!
servers+=("$server")
wait_for_page "$server" "$work/serve.log"
grep -qi "<html" "$work/page.html" || fail "the page at $url is not HTML"
uploads_left || fail "no upload folder while serving"
# Wine turns SIGINT into the console's CTRL_C_EVENT.
kill -INT "$server"
stopped_cleanly "$server" "$work/serve.log"
echo "  $url answered; Ctrl+C stopped it and removed its upload folder"

step "5. a PDF held open makes the build fail and keeps the old outputs"
locked=$(cd "$windows_out" && find . -name '*.pdf' -path '*/*/*' | sort | sed -n 1p)
locked=${locked#./}
[ -n "$locked" ] || locked=$(cd "$windows_out" && ls ./*.pdf | sed -n 1p)
(cd "$windows_out" && find . -type f -exec sha256sum {} + | sort) >"$work/before.sums"
mkfifo "$work/hold"
(cd "$windows_out" && exec wine "$tools/hold_open.exe" "$locked") <"$work/hold" >"$work/hold.log" 2>&1 &
holder=$!
servers+=("$holder")
exec 9>"$work/hold"
for _ in $(seq 1 60); do grep -q holding "$work/hold.log" && break; sleep 0.5; done
grep -q holding "$work/hold.log" || { cat "$work/hold.log"; fail "could not hold $locked open"; }
set +e
(cd "$app" && wine kaoping.exe build "$sample" -o "输出 文件") >"$work/locked.log" 2>&1
status=$?
set -e
exec 9>&-
wait "$holder" || true
cat "$work/locked.log"
[ "$status" = 1 ] || fail "the build exited with $status, not 1"
grep -q "正被其他程序打开" "$work/locked.log" || fail "no message about the file held open"
grep -q "$(basename "$locked")" "$work/locked.log" || fail "the message does not name $locked"
(cd "$windows_out" && find . -type f -exec sha256sum {} + | sort) >"$work/after.sums"
diff "$work/before.sums" "$work/after.sums" || fail "old outputs changed"
find "$app" -maxdepth 1 -name '.kaoping-staging-*' | grep -q . && fail "a staging folder was left behind"
echo "  refused with the file named; all $count old outputs unchanged"

step "6. double-clicked in a folder without workbooks"
# Started by Wine from a terminal, a program gets a console of its own, as from Explorer
# (and kaoping sees it is the console's only process); `script` gives it that terminal,
# and ^C typed into it is Ctrl+C in the console.
fresh="$work/新 文件夹"
mkdir -p "$fresh"
cp "$app/kaoping.exe" "$app/bcryptprimitives.dll" "$fresh/"
mkfifo "$work/keys"
(cd "$fresh" && exec script -qefc "wine kaoping.exe" "$work/double-click.log") \
  <"$work/keys" >/dev/null 2>&1 &
clicked=$!
servers+=("$clicked")
exec 8>"$work/keys"
wait_for_page "$clicked" "$work/double-click.log"
text_of "$work/double-click.log" | grep -q "已新建空白工作簿" \
  || { text_of "$work/double-click.log"; fail "no word about the blank workbook"; }
ls "$fresh"/*.xlsx >/dev/null 2>&1 || fail "no blank workbook written"
text_of "$work/double-click.log" | grep -q "关闭此窗口" || fail "no word on how to stop"
printf '\003' >&8
exec 8>&-
stopped_cleanly "$clicked" "$work/double-click.log"
echo "  blank workbook written, $url answered, ^C stopped it"

step "all Windows checks passed"
