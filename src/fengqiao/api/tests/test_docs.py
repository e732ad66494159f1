"""The API docs and the OpenAPI document carry the schema and nothing else: no data, no
machine details, nothing that depends on who asks."""

import json
import re

from django.conf import settings
from django.test import Client

from fengqiao.accounts.models import User

SCHEMA = "/api/v1/openapi.json"


def _schema(client: Client) -> bytes:
    response = client.get(SCHEMA)
    assert response.status_code == 200
    return response.content


def _walk(node, found: set):
    if isinstance(node, dict):
        found.update(node)
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found)
    return found


def test_schema_holds_only_the_schema_when_read_anonymously(users):
    body = _schema(Client())
    document = json.loads(body)
    assert set(document) <= {"openapi", "info", "paths", "components", "servers"}
    assert document.get("servers", []) == []
    assert all(path.startswith("/api/v1/") for path in document["paths"])
    # No sample values (they would be demo data) anywhere in the document.
    assert not {"example", "examples"} & _walk(document, set())
    text = body.decode()
    assert str(settings.BASE_DIR) not in text and "FENGQIAO_" not in text
    assert not re.search(r"(?<!\d)(1[3-9]\d{9}|\d{17}[\dX])(?!\d)", text)
    for user in User.objects.all():
        assert f'"{user.username}"' not in text
        if user.display_name:
            assert user.display_name not in text


def test_schema_is_the_same_for_everyone_when_someone_is_signed_in(users):
    anonymous = _schema(Client())
    for name in ("admin", "resident", "grid_worker"):
        client = Client()
        client.force_login(users[name])
        assert _schema(client) == anonymous, name


def test_docs_page_shows_no_one_when_an_administrator_reads_it(users):
    client = Client()
    client.force_login(users["admin"])
    response = client.get("/api/docs", follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert SCHEMA in page
    for user in User.objects.all():
        assert f">{user.username}<" not in page and f'"{user.username}"' not in page
        if user.display_name:
            assert user.display_name not in page


def test_openapi_document_has_no_key_twice_in_one_object(db):
    """Swagger UI reads the document as YAML, where a key given twice (e.g. a response
    status as the number 200 and as the string "200") is an error and no docs are drawn."""
    doubled = []

    def pairs_hook(pairs):
        keys = [key for key, _value in pairs]
        doubled.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(pairs)

    json.loads(_schema(Client()), object_pairs_hook=pairs_hook)
    assert doubled == []
