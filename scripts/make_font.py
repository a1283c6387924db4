"""Regenerate the Japanese font the PDF reports embed: dx_assess/data/fonts/*.otf.

    apt-get install fonts-noto-cjk                 # the source: Debian's Noto Sans CJK (OFL 1.1)
    .venv/bin/python scripts/make_font.py          # writes dx_assess/data/fonts/

Takes the Japanese face of Noto Sans CJK (Regular and Bold) out of Debian's collection files,
keeps a documented, generous character set and renames the family to "Noto Sans CJK JP DX", so
that a PDF made with the bundled files can be told apart from one made with a system font:

* ASCII, Latin-1, general punctuation, letter-like symbols, arrows, the math operators and
  geometric shapes of JIS, box drawing;
* CJK symbols and punctuation, hiragana, katakana (with the phonetic extensions), half-width
  katakana and full-width forms, enclosed CJK letters and CJK compatibility (㈱ ㍻ …);
* every character of code page 932 (Shift_JIS as Windows writes it): JIS X 0208 levels 1 and 2
  kanji plus the NEC and IBM extensions (髙 﨑 ① Ⅰ …), so any name or answer typed on a Japanese
  PC is covered;
* every character that occurs in the project's own text: dx_assess/**, questionnaires/**,
  reports/** (a test checks this stays true, and asks to rerun this script when it does not).

Rerun it when that test fails; commit the two .otf files it writes. The font's licence
(SIL Open Font License 1.1) is in dx_assess/data/fonts/OFL.txt.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "dx_assess" / "data" / "fonts"
SOURCE_DIR = Path("/usr/share/fonts/opentype/noto")
FAMILY = "Noto Sans CJK JP DX"
POSTSCRIPT = "NotoSansCJKjpDX"
FACES = {"Regular": "NotoSansCJK-Regular.ttc", "Bold": "NotoSansCJK-Bold.ttc"}
TEXT_SUFFIXES = {".py", ".html", ".css", ".csv", ".md", ".yaml", ".yml", ".txt", ".po", ".json"}
SCANNED = ("dx_assess", "questionnaires", "reports")

RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1
    (0x2010, 0x205E),  # general punctuation: dashes, quotes, ‥ …, ‰, ※
    (0x2100, 0x214F),  # letter-like symbols: ℃ № ™
    (0x2150, 0x218F),  # number forms: Ⅰ Ⅱ ⅰ
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators (− ± × ÷ ≦ ≧ are in here or in Latin-1)
    (0x2460, 0x24FF),  # enclosed alphanumerics: ① ②
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # geometric shapes: ■ □ ▲ △ ● ○ ◎
    (0x2600, 0x26FF),  # miscellaneous symbols: ★ ☆ ♪
    (0x3000, 0x303F),  # CJK symbols and punctuation: 、 。 「 」 〓
    (0x3040, 0x309F),  # hiragana
    (0x30A0, 0x30FF),  # katakana
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0x3200, 0x32FF),  # enclosed CJK letters: ㈱ ㊤
    (0x3300, 0x33FF),  # CJK compatibility: ㍻ ㎡
    (0xFF00, 0xFFEF),  # half-width and full-width forms
)


def cp932_characters() -> set[str]:
    """Every character code page 932 can encode (JIS X 0208 with the NEC/IBM extensions),
    without its user-defined area."""
    chars: set[str] = set()
    for lead in [*range(0x81, 0xA0), *range(0xE0, 0xFD)]:
        for trail in [*range(0x40, 0x7F), *range(0x80, 0xFD)]:
            try:
                char = bytes((lead, trail)).decode("cp932")
            except UnicodeDecodeError:
                continue
            if char.isprintable():  # not the user-defined area (private use)
                chars.add(char)
    for single in range(0xA1, 0xE0):  # half-width katakana
        chars.add(bytes((single,)).decode("cp932"))
    return chars


def project_characters(root: Path = ROOT) -> set[str]:
    """Every character in the project's own text files (see ``SCANNED``)."""
    chars: set[str] = set()
    for top in SCANNED:
        for path in (root / top).rglob("*"):
            if path.is_file() and path.suffix in TEXT_SUFFIXES:
                try:
                    chars.update(path.read_text(encoding="utf-8"))
                except UnicodeDecodeError:
                    continue
    return chars


def wanted_characters(root: Path = ROOT) -> set[str]:
    chars = {chr(c) for lo, hi in RANGES for c in range(lo, hi + 1)}
    chars |= cp932_characters() | project_characters(root)
    return {c for c in chars if c.isprintable() or c == "\u3000"}


def _japanese_face(collection_file: Path) -> TTFont:
    collection = TTCollection(str(collection_file))
    for font in collection.fonts:
        if font["name"].getDebugName(1) == "Noto Sans CJK JP":
            return font
    raise SystemExit(f"{collection_file}: no 'Noto Sans CJK JP' face in the collection")


def _rename(font: TTFont, style: str) -> None:
    full = f"{FAMILY} {style}"
    names = {
        1: FAMILY,
        2: style,
        3: f"{POSTSCRIPT}-{style};subset for dx_assess",
        4: full,
        6: f"{POSTSCRIPT}-{style}",
        16: FAMILY,
        17: style,
    }
    table = font["name"]
    for record in list(table.names):
        if record.nameID in names or record.nameID in (16, 17):
            table.removeNames(nameID=record.nameID)
    for name_id, value in names.items():
        table.setName(value, name_id, 3, 1, 0x409)
        table.setName(value, name_id, 1, 0, 0)
    cff = font["CFF "].cff
    cff.fontNames = [f"{POSTSCRIPT}-{style}"]
    top = cff.topDictIndex[0]
    top.FullName = full
    top.FamilyName = FAMILY


def make_face(style: str, source_dir: Path, out_dir: Path, chars: set[str]) -> Path:
    font = _japanese_face(source_dir / FACES[style])
    options = subset.Options()
    # The default OpenType features plus proportional punctuation, without ``locl``: in this
    # font it maps to the Korean and Chinese glyph forms, which would double the glyph count.
    options.layout_features = [
        *(f for f in options.layout_features if f not in ("locl", "vert", "vrt2")),
        "palt",
        "pwid",
    ]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = True
    options.desubroutinize = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in chars))
    subsetter.subset(font)
    _rename(font, style)
    out = out_dir / f"{POSTSCRIPT}-{style}.otf"
    font.save(str(out))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source-dir", type=Path, default=SOURCE_DIR)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    missing = [f for f in FACES.values() if not (args.source_dir / f).exists()]
    if missing:
        print(f"missing {', '.join(missing)}: apt-get install fonts-noto-cjk", file=sys.stderr)
        return 1
    chars = wanted_characters()
    own = {c for c in project_characters() if c.isprintable() and ord(c) > 0x7F}
    args.out.mkdir(parents=True, exist_ok=True)
    for style in FACES:
        out = make_face(style, args.source_dir, args.out, chars)
        cmap = TTFont(str(out))["cmap"].getBestCmap()
        absent = sorted(c for c in own if ord(c) not in cmap)
        print(
            f"{out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}: "
            f"{len(cmap)} characters, {out.stat().st_size / 1024 / 1024:.2f} MiB"
        )
        if absent:  # e.g. ✔ in a web page's text; the reports must not use these
            print(f"  project characters the source font lacks: {''.join(absent)}")
    write_charset(args.out)
    return 0


CHARSET = "charset.txt"


def write_charset(out: Path = OUT) -> Path:
    """charset.txt: the code points both faces draw, as hex ranges, one a line. The survey
    reads it (once per process, a few milliseconds) to warn when a typed answer holds a
    character the reports print as 〓, instead of parsing the font files (about 2 s)."""
    sets = [
        set(TTFont(str(out / f"{POSTSCRIPT}-{style}.otf"))["cmap"].getBestCmap()) for style in FACES
    ]
    points = sorted(set.intersection(*sets))
    ranges: list[tuple[int, int]] = []
    for p in points:
        if ranges and ranges[-1][1] == p - 1:
            ranges[-1] = (ranges[-1][0], p)
        else:
            ranges.append((p, p))
    lines = [f"# {len(points)} code points of {FAMILY}; written by scripts/make_font.py"]
    lines += [f"{a:04X}-{b:04X}" if a != b else f"{a:04X}" for a, b in ranges]
    path = out / CHARSET
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path


if __name__ == "__main__":
    raise SystemExit(main())
