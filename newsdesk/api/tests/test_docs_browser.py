import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_interactive_docs_render_under_our_csp_from_our_own_files(browser, live_server):
    page = browser.new_page()
    requested, problems = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.goto(f"{live_server.url}/api/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/articles" in " ".join(paths)
    assert all(url.startswith(live_server.url) for url in requested), requested
    assert not [p for p in problems if "Content Security Policy" in p and "script" in p], problems
    page.close()
