"""The visible stamp: Vietnamese text beside a QR code pointing at the public verification page.

pyHanko's QR stamp lets ``qrcode`` try all eight mask patterns and keep the most readable,
which is a fifth of the cost of a whole signature; every mask is valid per ISO/IEC 18004,
so this style fixes one.
"""
from __future__ import annotations

from dataclasses import dataclass

import qrcode
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.qr import PdfStreamQRImage
from pyhanko.pdf_utils.writer import BasePdfFileWriter, init_xobject_dictionary
from pyhanko.stamp.qr import QRStamp, QRStampStyle

QR_MASK_PATTERN = 2


class _FixedMaskQRStamp(QRStamp):
    def _qr_xobject(self):
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=QR_MASK_PATTERN)
        qr.add_data(self.url)
        qr.make()
        img = qr.make_image(image_factory=PdfStreamQRImage)
        bbox_size = (qr.modules_count + 2 * qr.border) * qr.box_size
        xobject = init_xobject_dictionary(img.render_command_stream(), bbox_size, bbox_size)
        xobject.compress()
        return self.writer.add_object(xobject), bbox_size


@dataclass(frozen=True)
class VerifiableStampStyle(QRStampStyle):
    """A QR stamp style whose QR code is built with one fixed mask pattern."""

    def create_stamp(self, writer: BasePdfFileWriter, box: BoxConstraints, text_params: dict) -> QRStamp:
        params = dict(text_params)
        url = params.pop("url")
        return _FixedMaskQRStamp(writer, style=self, url=url, text_params=params, box=box)
