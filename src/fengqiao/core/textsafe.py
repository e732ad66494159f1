"""Text made safe for XML-based documents (XLSX, DOCX): what XML 1.0 cannot hold is dropped.

The edge (core/inputguard.py) refuses such characters now, but rows stored before it, or
written by an import or the admin, may still hold them; the writers pass every string here.
"""

import re

_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(value):
    """The string without control characters (tab and line breaks kept); other values as is."""
    if isinstance(value, str):
        return _NOT_IN_XML.sub("", value)
    return value
