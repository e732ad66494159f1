"""Assembles the /api/v1 routers into one NinjaAPI with OpenAPI docs."""

from ninja import NinjaAPI

api = NinjaAPI(title="fengqiao API", version="1", urls_namespace="api-v1")
