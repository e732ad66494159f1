"""Print links of the mediation pages: `{% petition_print_links petition %}` (受理告知书 once
acknowledged, 答复意见书 once replied, DOCX and PDF) and `{% agreement_full_button dispute %}`
(the agreement with full ID numbers for 司法确认, shown to its mediator and committee only)."""

from django import template
from django.urls import reverse

from fengqiao.mediation.models import MediationAgreement
from fengqiao.mediation.printing import may_print_full_agreement

register = template.Library()


@register.inclusion_tag("mediation/_petition_print_links.html")
def petition_print_links(petition) -> dict:
    code = petition.case.code
    documents = []
    if petition.acknowledged_at is not None:
        documents.append(
            ("acceptance_notice", reverse("mediation_documents:acceptance_notice", args=[code]))
        )
    if petition.replied_at is not None:
        documents.append(
            ("reply_opinion", reverse("mediation_documents:reply_opinion", args=[code]))
        )
    return {"documents": documents, "accepted": petition.is_accepted}


@register.inclusion_tag("mediation/_agreement_full_button.html", takes_context=True)
def agreement_full_button(context, dispute) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    shown = (
        user is not None
        and MediationAgreement.objects.filter(dispute=dispute).exists()
        and may_print_full_agreement(user, dispute)
    )
    return {
        "shown": shown,
        "url": reverse("mediation_documents:agreement_full_reveal", args=[dispute.case.code]),
        "csrf_token": context.get("csrf_token"),
    }
