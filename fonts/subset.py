#!/usr/bin/env python3
"""Rebuild the bundled, subset fonts of kaoping from their upstream files.

This script never downloads anything. Fetch the sources first (see README.md):

    apt-get install -y texlive-lang-chinese          # FandolFang / FandolKai
    mkdir -p /tmp/fontsrc && cd /tmp/fontsrc
    npm pack @expo-google-fonts/noto-serif-sc@0.4.3 @expo-google-fonts/noto-sans-sc@0.4.3
    for f in *.tgz; do mkdir -p "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done
    pip install fonttools brotli

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
it prints, so each printed line is the equivalent shell command.

The Fandol sources are OpenType/CFF (.otf).  After subsetting, their cubic CFF
outlines are converted to quadratic TrueType (glyf) outlines with fontTools'
cu2qu, max. error 1.0 font unit (UPM 1000), see cff_to_truetype().  Reason:
PDF export speed.  When typst (krilla/subsetter) embeds a CFF font it has to
rebuild the CFF and evaluate charstrings for bounding boxes, which cost ~15% of
a kaoping build; subsetting a glyf table is a copy of the kept glyphs.

Pass --only NAME (repeatable) to rebuild only some of the files, e.g.

    python3 fonts/subset.py --out fonts \
        --only FandolFang-Regular.subset.ttf --only FandolKai-Regular.subset.ttf
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

from fontTools import subset as ft_subset
from fontTools.misc.roundTools import otRound
from fontTools.pens.boundsPen import BoundsPen
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

HERE = Path(__file__).resolve().parent

NOTO_SERIF_SC_DIR = Path("/tmp/fontsrc/expo-google-fonts-noto-serif-sc-0.4.3/package")
NOTO_SANS_SC_DIR = Path("/tmp/fontsrc/expo-google-fonts-noto-sans-sc-0.4.3/package")
FANDOL_DIR = Path("/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol")
# /work/main/fonts/subset.py -> /work/shared/data/tongyong-8105.txt
TONGYONG_8105 = HERE.parent.parent / "shared" / "data" / "tongyong-8105.txt"

# (output file, source key, file relative to that source dir, role,
#  convert CFF outlines to TrueType after subsetting)
FONTS = [
    ("NotoSerifSC-Bold.subset.ttf", "noto_serif_sc", "700Bold/NotoSerifSC_700Bold.ttf", "小标宋 substitute", False),
    ("FandolFang-Regular.subset.ttf", "fandol", "FandolFang-Regular.otf", "仿宋", True),
    ("NotoSansSC-Regular.subset.ttf", "noto_sans_sc", "400Regular/NotoSansSC_400Regular.ttf", "黑体 substitute", False),
    ("FandolKai-Regular.subset.ttf", "fandol", "FandolKai-Regular.otf", "楷体", True),
    ("NotoSerifSC-Regular.subset.ttf", "noto_serif_sc", "400Regular/NotoSerifSC_400Regular.ttf", "宋体 substitute", False),
]
OPTIONAL_FONTS = [
    ("NotoSansSC-Bold.subset.ttf", "noto_sans_sc", "700Bold/NotoSansSC_700Bold.ttf", "黑体 bold", False),
]

# Maximum distance, in font units, between a cubic CFF curve and the quadratic
# spline that replaces it (cu2qu).  The Fandol fonts have 1000 units per em,
# so this is 0.001 em: 0.01 mm at 10 mm type, far below what print shows.
CU2QU_MAX_ERR = 1.0

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


def cff_to_truetype(src, dst, max_err=CU2QU_MAX_ERR):
    """Convert the OpenType/CFF font src to a TrueType (glyf) font dst.

    fontTools ships no importable otf2ttf function (only Snippets/otf2ttf.py in
    its source tree); this follows that snippet, using fontTools' own pens:
    Cu2QuPen turns each cubic curve into quadratic splines within max_err font
    units, TTGlyphPen builds the glyf glyph.  Everything else is kept as it is:
    glyph order and count, cmap, advance widths and heights, GPOS, BASE, OS/2,
    and the name table (so typst still sees family "FandolFang R" /
    "FandolKai").  In detail:

    - Contours are reversed: CFF outer contours run counter-clockwise,
      TrueType ones clockwise.
    - No hinting: the glyphs get no instructions, and no fpgm/prep/cvt is made.
    - maxp becomes version 1.0.  TTFont.save recalculates numGlyphs, maxPoints,
      maxContours and the composite fields from glyf; the hinting fields are 0
      (maxZones 1, i.e. no twilight zone).  head/hhea/vhea bounds are also
      recalculated on save.
    - hmtx left side bearings are set to the new glyph's xMin and vmtx top side
      bearings to vertOriginY - yMax.  TrueType places a glyph by its side
      bearings (head flags bit 1 says lsb == xMin); CFF does not, and the
      quadratic bounds differ from the cubic ones by a unit or so.  The VORG
      table is CFF-only (TrueType takes the vertical origin from yMax + tsb),
      so its origins go into the tsb values and VORG is dropped.  Advances do
      not change.
    - post stays format 3 (no glyph names), as pyftsubset left it.  The names
      of a CID-keyed CFF font are synthetic ("cid01234"), so format 2 would add
      bytes without information; typst/krilla do not read them (PDF text
      extraction uses the ToUnicode CMap krilla writes), and subsetter copies a
      format-3 post table as it is instead of rebuilding a name list.
    - head.modified is kept (recalcTimestamp=False), so the output is
      byte-reproducible.
    """
    font = TTFont(src, recalcTimestamp=False)
    assert font.sfntVersion == "OTTO" and "CFF " in font, src
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()

    # Vertical origin (y) of each glyph: from VORG, or, without VORG, from
    # tsb + yMax of the CFF glyph, as the OpenType vmtx spec defines it.
    vert_origin = {}
    if "vmtx" in font:
        vorg = font["VORG"] if "VORG" in font else None
        for name in glyph_order:
            if vorg is not None:
                vert_origin[name] = vorg.VOriginRecords.get(name, vorg.defaultVertOriginY)
            else:
                bounds_pen = BoundsPen(glyph_set)
                glyph_set[name].draw(bounds_pen)
                y_max = otRound(bounds_pen.bounds[3]) if bounds_pen.bounds else 0
                vert_origin[name] = font["vmtx"].metrics[name][1] + y_max

    glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = {}
    for name in glyph_order:
        tt_pen = TTGlyphPen(None)  # CFF has no components, so no glyph set needed
        glyph_set[name].draw(Cu2QuPen(tt_pen, max_err, reverse_direction=True))
        # dropImpliedOnCurves: an on-curve point that lies midway between its
        # two off-curve neighbours (cu2qu makes many) is left out; TrueType
        # implies it.  Coordinates are rounded to integers afterwards, so an
        # implied point is the mean of two rounded points: like any rounded
        # point, within 0.5 unit per axis of the exact spline.  Saves 0.3% (Fang)
        # and 2.3% (Kai).
        glyph = tt_pen.glyph(dropImpliedOnCurves=True)
        if glyph.numberOfContours:
            glyph.recalcBounds(glyf)
        glyf.glyphs[name] = glyph
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    del font["CFF "]

    # Side bearings (see the docstring).  An empty glyph has bounds 0.
    hmtx = font["hmtx"].metrics
    vmtx = font["vmtx"].metrics if "vmtx" in font else None
    for name, glyph in glyf.glyphs.items():
        empty = glyph.numberOfContours == 0
        hmtx[name] = (hmtx[name][0], 0 if empty else glyph.xMin)
        if vmtx is not None:
            vmtx[name] = (vmtx[name][0], vert_origin[name] - (0 if empty else glyph.yMax))
    if "VORG" in font:
        del font["VORG"]

    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.numGlyphs = len(glyph_order)
    maxp.maxZones = 1
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                  "maxInstructionDefs", "maxStackElements",
                  "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    font["maxp"] = maxp  # the remaining fields are set by maxp.recalc on save

    post = font["post"]
    post.formatType = 3.0
    for attr in ("glyphOrder", "extraNames", "mapping"):
        if hasattr(post, attr):
            delattr(post, attr)

    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"
    print(f"cff_to_truetype {src} -> {dst} (cu2qu max error {max_err} units)",
          file=sys.stderr)
    font.save(dst)  # recalcBBoxes=True: head, hhea, vhea and maxp are recalculated


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--noto-serif-sc", type=Path, default=NOTO_SERIF_SC_DIR)
    ap.add_argument("--noto-sans-sc", type=Path, default=NOTO_SANS_SC_DIR)
    ap.add_argument("--fandol", type=Path, default=FANDOL_DIR)
    ap.add_argument("--tongyong", type=Path, default=TONGYONG_8105)
    ap.add_argument("--out", type=Path, default=HERE)
    ap.add_argument("--with-sans-bold", action="store_true",
                    help="also build the optional NotoSansSC-Bold.subset.ttf")
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
        known = {f[0] for f in FONTS + OPTIONAL_FONTS}
        unknown = sorted(set(args.only) - known)
        if unknown:
            sys.exit(f"unknown --only name(s): {', '.join(unknown)}; "
                     f"choose from: {', '.join(sorted(known))}")
        fonts = [f for f in FONTS + OPTIONAL_FONTS if f[0] in args.only]
    args.out.mkdir(parents=True, exist_ok=True)
    work = tempfile.TemporaryDirectory(prefix="kaoping-subset-")
    try:
        for out_name, key, rel, role, to_truetype in fonts:
            src = srcdirs[key] / rel
            if not src.is_file():
                sys.exit(f"missing source font: {src}")
            out = args.out / out_name
            # A CFF subset goes to a temporary .otf first and is then converted.
            sub = Path(work.name) / (Path(out_name).stem + ".otf") if to_truetype else out
            cmd = [str(src), f"--output-file={sub}", f"--unicodes-file={uni_path}"]
            cmd += PYFTSUBSET_OPTIONS
            print("pyftsubset " + " ".join(f"'{c}'" if "*" in c else c for c in cmd),
                  file=sys.stderr)
            rc = ft_subset.main(cmd)
            if rc not in (None, 0):
                sys.exit(f"pyftsubset failed for {src}")
            if to_truetype:
                cff_to_truetype(sub, out)
            print(f"  -> {out} ({os.path.getsize(out):,} bytes) [{role}]", file=sys.stderr)
    finally:
        work.cleanup()
        if tmp is not None:
            uni_path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
