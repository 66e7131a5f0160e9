"""A township officer logs in with a real browser (Debian's Chromium through Playwright), sees the
household list with masked ID numbers and opens a household."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from minzheng.common.masking import mask_id_number
from tests.factories import build_region_tree, make_household, make_user

# Playwright's sync API runs an event loop in this thread while the browser is open. The test makes every
# database call before the browser starts (the ``township_household`` fixture comes first): an ORM call
# inside the loop would get a connection of its own context that is never closed (PostgreSQL then cannot
# drop the test database), so DJANGO_ALLOW_ASYNC_UNSAFE is deliberately not set and such a call fails loudly.

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="需要 Debian 的 Chromium：/usr/bin/chromium 不存在（apt-get install chromium）",
    ),
]


@pytest.fixture
def browser_page():
    sync_api = pytest.importorskip("playwright.sync_api", reason="需要 Python 包 playwright")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="zh-CN")
            page.set_default_timeout(15_000)
            yield page
        finally:
            browser.close()


@dataclass(frozen=True)
class Household:
    number: str
    pk: int
    head_name: str
    head_id_number: str


@pytest.fixture
def township_household(live_server, transactional_db) -> Household:
    """A township officer of 凤凰街道 (fenghuang) and a household in 西街社区, as plain values."""
    regions = build_region_tree()
    make_user("township", regions["530602001"], username="fenghuang", password="Fenghuang-2024")
    household = make_household(regions["530602001001"], members=2)
    head = household.head
    assert head is not None
    return Household(household.household_number, household.pk, head.name, head.id_number)


def test_a_township_officer_logs_in_sees_masked_ids_and_opens_a_household(
    live_server, township_household, browser_page
):
    # given a township officer and a household in their township
    household = township_household
    page = browser_page

    # when they log in
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "fenghuang")
    page.fill("input[name=password]", "Fenghuang-2024")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "工作台" in page.text_content("h1")

    # and open the household list
    page.click("nav >> text=家庭户")
    page.wait_for_url(re.compile(r"/households/$"))

    # then the head's ID number is masked, never shown in full
    table = page.text_content("table.households")
    assert household.number in table
    assert mask_id_number(household.head_id_number) in table
    assert household.head_id_number not in page.content()

    # when they open the household
    page.click(f"text={household.number}")
    page.wait_for_url(re.compile(rf"/households/{household.pk}/$"))

    # then its members are listed, masked
    assert page.text_content("h1") == f"家庭户 {household.number}"
    members = page.text_content("table.members")
    assert household.head_name in members and mask_id_number(household.head_id_number) in members
    assert household.head_id_number not in page.content()
