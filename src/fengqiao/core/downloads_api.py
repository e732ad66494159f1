"""OpenAPI documentation of the file endpoints (ledgers, printed documents): their 200 is a
binary body of the given media types, their errors the usual JSON."""

from fengqiao.core.ledger import XLSX
from fengqiao.core.printing import DOCX, PDF

_ERRORS = {
    status: {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "field": {"type": ["string", "null"]},
                    },
                }
            }
        },
    }
    for status, description in (
        (400, "A filter or parameter is not valid (`field` names it)."),
        (403, "The caller's role may not have this file."),
        (404, "No such record among those the caller may see."),
        (409, "The record cannot have this document yet (e.g. not dispatched)."),
    )
}


def binary_openapi(description: str, *media_types: str) -> dict:
    """`openapi_extra` of an endpoint that answers a file."""
    return {
        "responses": {
            200: {  # an int, as django-ninja's own keys: a string would be a second "200"
                "description": description,
                "content": {
                    media: {"schema": {"type": "string", "format": "binary"}}
                    for media in media_types
                },
            },
            **_ERRORS,
        }
    }


LEDGER_OPENAPI = binary_openapi("The ledger as an XLSX workbook (attachment).", XLSX)
PRINT_OPENAPI = binary_openapi(
    "The document as DOCX (`format=docx`) or PDF (`format=pdf`), as an attachment.", DOCX, PDF
)
DOCX_OPENAPI = binary_openapi("The document as DOCX (attachment).", DOCX)
