"""A Vietnamese font for signature stamps, cut down and compiled once per process.

pyHanko's ``GlyphAccumulatorFactory`` re-reads, subsets and recompiles the whole TrueType
font for every stamp (about 250 ms with DejaVu Sans, which dwarfs the signature itself).
Here DejaVu Sans is cut once to the characters Vietnamese text needs (precomposed letters,
so no shaping tables are needed either), rescaled to 1000 units per em (pyHanko writes
font units where PDF expects thousandths of an em, which spreads DejaVu's 2048-unit glyphs
twice as wide) and its compressed font program is kept; each stamp
embeds those prepared bytes instead of running ``fontTools`` again, and every stamp shares
one parse of the font.
"""
from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from functools import cached_property

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils import generic
import uharfbuzz as hb
from pyhanko.pdf_utils.font.api import FontEngine, FontEngineFactory
from pyhanko.pdf_utils.font.opentype import CIDFontType2, GlyphAccumulator, _read_ps_name
from pyhanko.pdf_utils.generic import pdf_name

VIETNAMESE_CODEPOINTS = frozenset(
    list(range(0x20, 0x7F))
    + list(range(0xA0, 0x100))
    + [0x102, 0x103, 0x110, 0x111, 0x128, 0x129, 0x168, 0x169, 0x1A0, 0x1A1, 0x1AF, 0x1B0]
    + list(range(0x1EA0, 0x1EFA))
    + [0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026, 0x20AB]
)


@dataclass(frozen=True)
class PreparedFont:
    """A TrueType program cut to Vietnamese, as raw bytes and as a compressed PDF stream body."""

    data: bytes
    compressed: bytes

    @classmethod
    def vietnamese(cls, font_path: str) -> "PreparedFont":
        """Cut the font at ``font_path`` to :data:`VIETNAMESE_CODEPOINTS`."""
        options = subset.Options()
        options.layout_features = []
        options.drop_tables += ["FFTM", "GSUB", "GPOS", "GDEF", "kern", "MATH"]
        options.hinting = False
        options.notdef_outline = True
        options.name_IDs = ["*"]
        font = TTFont(font_path)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=VIETNAMESE_CODEPOINTS)
        subsetter.subset(font)
        # pyHanko writes glyph widths in font units where PDF expects thousandths of an em
        scale_upem(font, 1000)
        out = io.BytesIO()
        font.save(out)
        data = out.getvalue()
        return cls(data=data, compressed=zlib.compress(data))


class _PreparedCIDFontType2(CIDFontType2):
    def __init__(self, tt: TTFont, base_ps_name: str, subset_prefix: str, compressed: bytes) -> None:
        super().__init__(tt, base_ps_name, subset_prefix)
        self._compressed = compressed

    def set_font_file(self, writer):
        stream = generic.StreamObject(
            {pdf_name("/Filter"): pdf_name("/FlateDecode")}, encoded_data=self._compressed
        )
        ref = writer.add_object(stream)
        self._font_descriptor[pdf_name("/FontFile2")] = ref
        return ref


class _PreparedGlyphAccumulator(GlyphAccumulator):
    """A glyph accumulator sharing one parsed font (HarfBuzz and fontTools) across all stamps.

    ``GlyphAccumulator.__init__`` parses the font again for every stamp; its only destructive
    step is subsetting, which never runs here, so the parsed font is shared read-only. The
    attributes set below are those of ``GlyphAccumulator.__init__`` in pyHanko 0.38 (pinned).
    """

    def __init__(self, writer, shared: "_SharedFont", font_size: int, obj_stream) -> None:
        FontEngine.__init__(self, writer, shared.ps_name, embedded_subset=True, obj_stream=obj_stream,
                            font_size=font_size)
        self.hb_font = shared.hb_font
        self.tt = shared.tt
        self._font_ref = writer.allocate_placeholder()
        self.cff_charset = None
        self.use_raw_gids = True
        self.cidfont_obj = _PreparedCIDFontType2(shared.tt, shared.ps_name, self.subset_prefix, shared.compressed)
        self.features = None
        self.units_per_em = shared.units_per_em
        self._glyphs = {}
        self._glyph_set = shared.glyph_set
        self._cid_to_unicode = {}
        self._GlyphAccumulator__reverse_cmap = None
        self.ot_language_tag = self.ot_script_tag = self.writing_direction = self.bcp47_lang_code = None
        # the embedded program is already cut to size: never run fontTools' subsetter
        self._subset_created = True
        self._write_prepared = False


class _SharedFont:
    """One parse of a :class:`PreparedFont`, shared by every stamp of the process."""

    def __init__(self, prepared: PreparedFont) -> None:
        self.compressed = prepared.compressed
        self.hb_font = hb.Font(hb.Face(prepared.data))
        self.tt = TTFont(io.BytesIO(prepared.data))
        self.ps_name = _read_ps_name(self.tt)
        self.units_per_em = self.tt["head"].unitsPerEm
        self.glyph_set = self.tt.getGlyphSet(preferCFF=True)
        for table in ("cmap", "hmtx", "glyf", "hhea", "OS/2", "post"):
            self.tt[table]  # load now: lazy loading is not safe across threads


@dataclass(frozen=True)
class PreparedFontFactory(FontEngineFactory):
    """pyHanko font engine factory embedding a :class:`PreparedFont` as is."""

    font_path: str
    font_size: int = 10

    @cached_property
    def prepared(self) -> PreparedFont:
        return PreparedFont.vietnamese(self.font_path)

    @cached_property
    def _shared(self) -> _SharedFont:
        return _SharedFont(self.prepared)

    def warm_up(self) -> None:
        """Cut and parse the font now rather than during the first signature."""
        self._shared

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        return _PreparedGlyphAccumulator(writer, self._shared, self.font_size, obj_stream)
