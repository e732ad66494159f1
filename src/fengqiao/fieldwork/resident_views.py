"""The resident portal's page of the village's service list (/h5/services/): what the village
offers (为民服务清单), by whom and when, with the contact phone masked."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from fengqiao.fieldwork import care_selectors


@login_required
def services(request):
    offers = care_selectors.offers_for_resident(request.user)
    return render(
        request, "fieldwork/resident/services.html", {"offers": offers, "tab": "services"}
    )
