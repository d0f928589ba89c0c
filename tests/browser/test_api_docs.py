"""The interactive API docs render the OpenAPI 3.1 document in Chromium, offline, under the CSP."""

from __future__ import annotations

import json
import urllib.request

import pytest

pytestmark = pytest.mark.browser


def test_api_docs_render_every_operation_without_csp_violations(live_server, page):
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    outside: list[str] = []
    page.on("request", lambda request: request.url.startswith(live_server.url) or outside.append(request.url))

    page.goto(f"{live_server.url}/api/docs")
    page.wait_for_selector(".opblock-summary-path")

    with urllib.request.urlopen(f"{live_server.url}/api/openapi.json") as answer:
        spec = json.load(answer)
    operations = sum(len(methods) for methods in spec["paths"].values())
    assert page.locator(".opblock").count() == operations
    assert "Unable to render this definition" not in page.content()
    assert page.locator("button.authorize").count() == 1  # the bearer scheme is offered
    assert page.locator(".version-stamp").first.inner_text().strip().startswith("OAS 3.1")
    assert problems == [] and outside == []
