"""The Content-Security-Policy in a real browser: no page it governs is broken by it."""

from __future__ import annotations

import pytest

from .conftest import login, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _csp_violations(tab) -> list[str]:
    return [m for m in tab.console if "Content Security Policy" in m or "Refused to" in m]


def test_scripts_still_run_under_the_csp(new_page, users):
    tab = new_page("county")
    login(tab, "county_centre")
    tab.goto(url(tab, "/insight/"))
    tab.wait_for_selector("#chart-trend canvas")  # dashboard.js drew the charts
    with tab.expect_navigation():
        tab.select_option("select[name=days]", index=0)  # autosubmit.js
    assert "days=" in tab.url
    tab.goto(url(tab, "/api/v1/docs"))
    tab.wait_for_selector(".swagger-ui .opblock")  # Swagger UI from the package ran
    tab.goto(url(tab, "/admin/"))
    tab.wait_for_selector("#content")
    assert _csp_violations(tab) == []


def test_grid_app_registers_its_service_worker_under_the_csp(new_page, users):
    tab = new_page("phone", viewport={"width": 390, "height": 844})
    login(tab, "grid_worker")
    tab.goto(url(tab, "/m/"))
    tab.wait_for_selector("body[data-sw=ready]")  # sw_register.js
    assert _csp_violations(tab) == []
