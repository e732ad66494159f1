"""Files handed to a browser or an API client: ledgers (streamed from their spooled file) and
printed documents, always as attachments; stored photos, inline; on a page, a domain error
becomes its status page."""

import io
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.http.response import HttpResponseBase
from django.shortcuts import render

from fengqiao.core.errors import DomainError, NotAllowed, NotFound
from fengqiao.core.ledger import XLSX, LedgerFile


def ledger_response(ledger: LedgerFile) -> FileResponse:
    """The ledger streamed in blocks; the response closes (and so deletes) the file."""
    response = FileResponse(
        ledger.file, as_attachment=True, filename=ledger.filename, content_type=XLSX
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def file_response(content: bytes, *, filename: str, content_type: str) -> FileResponse:
    response = FileResponse(
        io.BytesIO(content), as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def inline_file(stored, *, content_type: str) -> FileResponse:
    """A stored photo shown in the browser (its type was judged by its bytes when it came in);
    the name is the row's id, so nothing typed by a user reaches the header."""
    response = FileResponse(stored.file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{stored.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def page_download(request, make: Callable[[], HttpResponseBase]) -> HttpResponseBase:
    """`make()`'s file, or the page of its error: 404 and 403 as Django's, a bad filter (400)
    or a document the record cannot have yet (409) on the error page with its message."""
    try:
        return make()
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    except NotAllowed as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except DomainError as exc:
        context = {"status": exc.status, "message": exc.message, "field": exc.field}
        return render(request, "400.html", context, status=exc.status)
