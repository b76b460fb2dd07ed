#!/usr/bin/env python3
"""Rebuild the bundled, subset fonts of kaoping from their upstream files.

This script never downloads anything. Fetch the sources first (see README.md):

    apt-get install -y texlive-lang-chinese          # FandolFang / FandolKai
    mkdir -p /tmp/fontsrc && cd /tmp/fontsrc
    npm pack @expo-google-fonts/noto-serif-sc@0.4.3 @expo-google-fonts/noto-sans-sc@0.4.3
    for f in *.tgz; do mkdir -p "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done
    pip install fonttools brotli cffsubr

Then run (all arguments optional; the defaults are the paths above):

    python3 fonts/subset.py \
        --noto-serif-sc /tmp/fontsrc/expo-google-fonts-noto-serif-sc-0.4.3/package \
        --noto-sans-sc  /tmp/fontsrc/expo-google-fonts-noto-sans-sc-0.4.3/package \
        --fandol        /usr/share/texlive/texmf-dist/fonts/opentype/public/fandol \
        --tongyong      /work/shared/data/tongyong-8105.txt \
        --out           fonts

Source paths (constants below, overridable by the options above):
  NOTO_SERIF_SC_DIR  root of the unpacked npm package @expo-google-fonts/noto-serif-sc
  NOTO_SANS_SC_DIR   root of the unpacked npm package @expo-google-fonts/noto-sans-sc
  FANDOL_DIR         the fandol folder installed by Debian's texlive-lang-chinese
  TONGYONG_8105      the 8,105 characters of 《通用规范汉字表》, one per line

Character set kept (see charset()):
  GB2312 (every 2-byte code 0xA1A1..0xF7FE that decodes with Python's 'gb2312')
  ∪ 通用规范汉字表 (8,105 characters)
  ∪ U+0020-007E, U+00A0-00FF, U+2000-206F, U+2103, U+2116, U+2190-21FF,
    U+2200-22FF, U+2460-24FF, U+25A0-25FF, U+2605-2606, U+3000-303F, U+30FB,
    U+FF00-FFEF   (U+203B ※ lies inside U+2000-206F)

The script calls pyftsubset (fontTools.subset.main) with exactly the arguments
it prints, so each printed line is the equivalent shell command.  The Fandol
fonts ship without CFF subroutines; after subsetting, their CFF table is
subroutinized losslessly with cffsubr (AFDKO tx) -- the same operation as
`python3 -m cffsubr -i FILE.otf`, except that head.modified is preserved so the
output is byte-reproducible -- which saves ~0.8 MB.  Pass
--no-cff-subroutinize to skip that step (cffsubr is then not needed).
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

from fontTools import subset as ft_subset

HERE = Path(__file__).resolve().parent

NOTO_SERIF_SC_DIR = Path("/tmp/fontsrc/expo-google-fonts-noto-serif-sc-0.4.3/package")
NOTO_SANS_SC_DIR = Path("/tmp/fontsrc/expo-google-fonts-noto-sans-sc-0.4.3/package")
FANDOL_DIR = Path("/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol")
# /work/main/fonts/subset.py -> /work/shared/data/tongyong-8105.txt
TONGYONG_8105 = HERE.parent.parent / "shared" / "data" / "tongyong-8105.txt"

# (output file, source key, file relative to that source dir, role)
FONTS = [
    ("NotoSerifSC-Bold.subset.ttf", "noto_serif_sc", "700Bold/NotoSerifSC_700Bold.ttf", "小标宋 substitute"),
    ("FandolFang-Regular.subset.otf", "fandol", "FandolFang-Regular.otf", "仿宋"),
    ("NotoSansSC-Regular.subset.ttf", "noto_sans_sc", "400Regular/NotoSansSC_400Regular.ttf", "黑体 substitute"),
    ("FandolKai-Regular.subset.otf", "fandol", "FandolKai-Regular.otf", "楷体"),
    ("NotoSerifSC-Regular.subset.ttf", "noto_serif_sc", "400Regular/NotoSerifSC_400Regular.ttf", "宋体 substitute"),
]
OPTIONAL_FONTS = [
    ("NotoSansSC-Bold.subset.ttf", "noto_sans_sc", "700Bold/NotoSansSC_700Bold.ttf", "黑体 bold"),
]

# Non-Han ranges kept, inclusive.
EXTRA_RANGES = [
    (0x0020, 0x007E),  # printable ASCII
    (0x00A0, 0x00FF),  # Latin-1 supplement (· U+00B7, × ÷ …)
    (0x2000, 0x206F),  # general punctuation (— … ‘ ’ “ ” ※ ‰ …)
    (0x2103, 0x2103),  # ℃
    (0x2116, 0x2116),  # №
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators
    (0x2460, 0x24FF),  # enclosed alphanumerics (① …)
    (0x25A0, 0x25FF),  # geometric shapes (■ □ ○ ● …)
    (0x2605, 0x2606),  # ★ ☆
    (0x3000, 0x303F),  # CJK symbols and punctuation (、。〔〕【】《》「」 …)
    (0x30FB, 0x30FB),  # ・ katakana middle dot
    (0xFF00, 0xFFEF),  # half-/full-width forms (， ： （ ） …)
]

PYFTSUBSET_OPTIONS = [
    "--layout-features=*",
    "--no-hinting",
    "--notdef-outline",
    "--notdef-glyph",
    "--name-IDs=*",
    "--name-languages=*",
    "--name-legacy",
    "--drop-tables+=DSIG",
]


def gb2312_chars():
    out = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                s = bytes([hi, lo]).decode("gb2312")
            except UnicodeDecodeError:
                continue
            out.update(s)
    return out


def tongyong_chars(path):
    chars = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                chars.update(line)
    return chars


def charset(tongyong_path):
    """Return the sorted list of code points to keep."""
    cps = {ord(c) for c in gb2312_chars()}
    cps |= {ord(c) for c in tongyong_chars(tongyong_path)}
    for lo, hi in EXTRA_RANGES:
        cps.update(range(lo, hi + 1))
    return sorted(cps)


def subroutinize(path):
    """Losslessly subroutinize the CFF table in place (python3 -m cffsubr -i)."""
    try:
        import cffsubr
    except ImportError:
        sys.exit("cffsubr is not installed: pip install cffsubr, "
                 "or pass --no-cff-subroutinize")
    from fontTools.ttLib import TTFont

    print(f"python3 -m cffsubr -i {path}", file=sys.stderr)
    font = TTFont(path, recalcTimestamp=False)
    cffsubr.subroutinize(font)
    font.save(path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--noto-serif-sc", type=Path, default=NOTO_SERIF_SC_DIR)
    ap.add_argument("--noto-sans-sc", type=Path, default=NOTO_SANS_SC_DIR)
    ap.add_argument("--fandol", type=Path, default=FANDOL_DIR)
    ap.add_argument("--tongyong", type=Path, default=TONGYONG_8105)
    ap.add_argument("--out", type=Path, default=HERE)
    ap.add_argument("--with-sans-bold", action="store_true",
                    help="also build the optional NotoSansSC-Bold.subset.ttf")
    ap.add_argument("--no-cff-subroutinize", action="store_true",
                    help="do not subroutinize the CFF of .otf outputs with cffsubr")
    ap.add_argument("--unicodes-file", type=Path, default=None,
                    help="write the kept code points here (default: a temp file)")
    ap.add_argument("--only", action="append", default=None,
                    help="build only this output file name (repeatable)")
    args = ap.parse_args(argv)

    srcdirs = {"noto_serif_sc": args.noto_serif_sc, "noto_sans_sc": args.noto_sans_sc,
               "fandol": args.fandol}
    cps = charset(args.tongyong)
    print(f"character set: {len(cps)} code points", file=sys.stderr)

    tmp = None
    if args.unicodes_file is None:
        tmp = tempfile.NamedTemporaryFile("w", suffix="-unicodes.txt", delete=False)
        uni_path = Path(tmp.name)
        tmp.close()
    else:
        uni_path = args.unicodes_file
    uni_path.write_text("\n".join(f"U+{cp:04X}" for cp in cps) + "\n", encoding="ascii")

    fonts = FONTS + (OPTIONAL_FONTS if args.with_sans_bold else [])
    if args.only:
        fonts = [f for f in FONTS + OPTIONAL_FONTS if f[0] in args.only]
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        for out_name, key, rel, role in fonts:
            src = srcdirs[key] / rel
            if not src.is_file():
                sys.exit(f"missing source font: {src}")
            out = args.out / out_name
            cmd = [str(src), f"--output-file={out}", f"--unicodes-file={uni_path}"]
            cmd += PYFTSUBSET_OPTIONS
            print("pyftsubset " + " ".join(f"'{c}'" if "*" in c else c for c in cmd),
                  file=sys.stderr)
            rc = ft_subset.main(cmd)
            if rc not in (None, 0):
                sys.exit(f"pyftsubset failed for {src}")
            if out.suffix == ".otf" and not args.no_cff_subroutinize:
                subroutinize(out)
            print(f"  -> {out} ({os.path.getsize(out):,} bytes) [{role}]", file=sys.stderr)
    finally:
        if tmp is not None:
            uni_path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
