"""The mediation API router: disputes, referrals, follow-ups, committees and the session
calendar, screening and petitions, one module each, mounted in this order (the order of the
OpenAPI document)."""

from ninja import Router

from fengqiao.mediation.api import (
    committees,
    disputes,
    documents,
    followups,
    petitions,
    referrals,
    screening,
)

router = Router()
for part in (disputes, referrals, followups, committees, screening, petitions, documents):
    router.add_router("", part.router)
