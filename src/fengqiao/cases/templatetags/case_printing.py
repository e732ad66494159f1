"""`{% case_print_links case %}`: links to the case's printed orders (交办单 once it has been
dispatched, 督办单 once supervised), each as DOCX and PDF."""

from django import template
from django.urls import reverse

from fengqiao.cases.printing import case_documents_available

register = template.Library()

URLS = {
    "dispatch_order": "case_documents:dispatch_order",
    "supervision_order": "case_documents:supervision_order",
}


@register.inclusion_tag("cases/_print_links.html")
def case_print_links(case) -> dict:
    return {
        "documents": [
            (name, reverse(URLS[name], args=[case.code])) for name in case_documents_available(case)
        ]
    }
