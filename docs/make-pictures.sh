#!/usr/bin/env bash
# Regenerates the README's pictures from the bundled sample: the first page of every PDF
# output, as PNG under docs/, and the 正文 sheet of docs/正文示例.txt beside the first two
# pages of the notice it gives. Needs pdftoppm (Debian: poppler-utils) and LibreOffice's
# soffice (Debian: libreoffice-calc-nogui) to print the sheet.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cargo run --release --quiet -- build input -o "$out/output" --no-system-fonts --quiet
render() { # $1 = PDF, $2 = picture name
  pdftoppm -r 50 -png -f 1 -l 1 -singlefile "$1" "docs/$2"
}
render "$out"/output/*实施方案.pdf notice
render "$out"/output/*工作安排表.pdf schedule
render "$(ls "$out"/output/考评报告/*.pdf | head -n 1)" report
render "$out"/output/*结果汇总表.pdf summary
# The attachment page of the notice, which readers check separately.
pages=$(pdfinfo "$out"/output/*实施方案.pdf | awk '/^Pages:/ {print $2}')
for p in $(seq 1 "$pages"); do
  if pdftotext -f "$p" -l "$p" "$out"/output/*实施方案.pdf - | head -n 3 | grep -q '^附件$'; then
    pdftoppm -r 50 -png -f "$p" -l "$p" -singlefile "$out"/output/*实施方案.pdf docs/notice-attachment
    break
  fi
done
# The wording picture: the sheet as `kaoping init` lays it out, printed by LibreOffice, and
# the notice built from the sample with that wording.
cargo run --release --quiet --example sample -- --body docs/正文示例.txt "$out/正文示例.xlsx"
cargo run --release --quiet --example sample -- --wording-sheet docs/正文示例.txt "$out/正文.xlsx"
soffice -env:UserInstallation="file://$out/soffice" --headless --convert-to pdf --outdir "$out" "$out/正文.xlsx" >/dev/null
pdftoppm -r 80 -png -f 1 -l 1 -singlefile -x 40 -y 55 -W 600 -H 340 "$out/正文.pdf" docs/wording-sheet
cargo run --release --quiet -- build "$out/正文示例.xlsx" -o "$out/wording" --no-system-fonts --quiet
pdftoppm -r 50 -png -f 1 -l 2 "$out"/wording/*实施方案.pdf "$out/wording-notice"
mv "$out"/wording-notice-1.png docs/wording-notice-1.png
mv "$out"/wording-notice-2.png docs/wording-notice-2.png
ls -l docs/*.png
