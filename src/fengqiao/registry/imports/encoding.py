"""Which text encoding a CSV file is in, told by charset-normalizer from the file's start."""

# The candidates are the encodings such files come in here: UTF-8 (with or without a BOM, as
# Excel and WPS write it), GB18030 (which reads GBK and GB2312, the default of Chinese Excel) and
# UTF-16 ("Unicode text" from Excel). Short Chinese text is ambiguous between GBK, Big5, EUC-KR
# and Shift-JIS, so the detector chooses among these only. A CSV in UTF-16 always has NUL bytes
# (its commas, digits and line breaks are ASCII), any other text has none: without a NUL byte the
# UTF-16 candidates are not offered, which keeps a short GBK file from passing for UTF-16.

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes
from django.utils.translation import gettext as _

from fengqiao.core.errors import ValidationFailed

__all__ = ["decode_sample", "detect_encoding", "looks_like_text"]

WIDE = ("utf_16", "utf_16_le", "utf_16_be")
NARROW = ("utf_8", "gb18030")
# How charset-normalizer's names are opened so that a byte order mark is dropped.
_CODECS = {"utf_8": "utf-8-sig", "ascii": "utf-8-sig", "utf_16": "utf-16"}


def _not_text() -> ValidationFailed:
    return ValidationFailed(
        _("The file is neither an Excel workbook (.xlsx) nor a CSV text file (UTF-8 or GBK)."),
        code="bad_file",
        field="file",
    )


def _whole_lines(sample: bytes, complete: bool) -> bytes:
    """The sample without a line cut at its end (a cut character would count against UTF-8)."""
    if complete:
        return sample
    if b"\x00" in sample:
        return sample[: len(sample) // 2 * 2]
    end = sample.rfind(b"\n")
    return sample[: end + 1] if end > 0 else sample


def detect_encoding(sample: bytes, complete: bool = False) -> str:
    """A codec name for the text that starts with `sample` (`complete`: the whole file)."""
    sample = _whole_lines(sample, complete)
    candidates = [*NARROW, *WIDE] if b"\x00" in sample else list(NARROW)
    best = from_bytes(sample, cp_isolation=candidates).best()
    if best is None:
        raise _not_text()
    encoding = _CODECS.get(best.encoding, best.encoding)
    if not looks_like_text(decode_sample(sample, encoding)):
        raise _not_text()
    return encoding


def decode_sample(sample: bytes, encoding: str) -> str:
    """The text of a sample that may end inside a character."""
    try:
        return codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        raise _not_text() from None


def looks_like_text(text: str) -> bool:
    """No NUL and at most one control character in a hundred: not a binary file misread."""
    if "\x00" in text:
        return False
    head = text[:20000]
    controls = sum(1 for ch in head if ord(ch) < 32 and ch not in "\t\r\n")
    return controls <= len(head) // 100
