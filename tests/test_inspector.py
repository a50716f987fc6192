"""The memory inspector page in a real headless Chromium (Debian's), driven by Selenium,
against the app on uvicorn: what the page shows, and what the store holds afterwards."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from memory import Memory, SqliteMemoryDb, UserMemory
from server import ApiKeys, create_app
from tests.live_server import live_server

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ADMIN_KEY = "inspector-admin-key-0123"
ALICE_KEY = "inspector-alice-key-0123"
KEYS = ApiKeys.parse(
    f'{{"keys": [{{"key": "{ADMIN_KEY}", "admin": true}}, '
    f'{{"key": "{ALICE_KEY}", "user_id": "alice"}}]}}'
)
PHONE_WIDTH = 390


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    """Headless Chromium at a phone's width; CI installs it (.ci/run), elsewhere a missing
    one skips."""
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} and {CHROMEDRIVER} are required in CI")
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
    ):
        options.add_argument(argument)
    try:
        driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    except WebDriverException as error:
        pytest.fail(f"chromium did not start: {error.msg}")
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE_WIDTH, "height": 900, "deviceScaleFactor": 1, "mobile": True},
    )
    yield driver
    driver.quit()


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    with Memory(SqliteMemoryDb(db_file=str(tmp_path / "memories.db"))) as memory:
        memory.add_user_memory(
            UserMemory(memory="The user plays the cello", topics=["music"]), "alice"
        )
        memory.add_user_memory(
            UserMemory(memory="The user lives in Oslo", topics=["home"]), "alice"
        )
        memory.add_user_memory("The user is called Bob", "bob")
        last_year = datetime.now(UTC) - timedelta(days=365)
        then = Memory(memory.db, clock=lambda: last_year)
        trip = UserMemory(memory="The user is in Rome", expires_at=last_year + timedelta(days=3))
        then.add_user_memory(trip, "alice")
        yield memory


@pytest.fixture
def page(browser: webdriver.Chrome, memory: Memory) -> Iterator[webdriver.Chrome]:
    """The inspector, loaded with a fresh session (no key remembered yet)."""
    with live_server(create_app(memory, keys=KEYS)) as base_url:
        browser.get(f"{base_url}/memory/")
        browser.execute_script("sessionStorage.clear()")
        browser.refresh()
        yield browser


def wait_for_text(browser: webdriver.Chrome, element_id: str, text: str) -> None:
    WebDriverWait(browser, 10).until(
        expected_conditions.text_to_be_present_in_element((By.ID, element_id), text)
    )


def use_key(browser: webdriver.Chrome, key: str) -> None:
    field = browser.find_element(By.ID, "api-key")
    field.clear()
    field.send_keys(key)
    browser.find_element(By.CSS_SELECTOR, "#key-form button[type=submit]").click()


def open_user(browser: webdriver.Chrome, user_id: str) -> None:
    use_key(browser, ADMIN_KEY)
    wait_for_text(browser, "users", user_id)
    for button in browser.find_elements(By.CSS_SELECTOR, "#users button"):
        if button.text.startswith(user_id):
            button.click()
    wait_for_text(browser, "result-info", "memor")


def shown(browser: webdriver.Chrome) -> list[str]:
    return [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#memories .memory .text")]


def item(browser: webdriver.Chrome, text: str) -> WebElement:
    (found,) = [
        e
        for e in browser.find_elements(By.CSS_SELECTOR, "#memories .memory")
        if e.find_element(By.CSS_SELECTOR, ".text").text == text
    ]
    return found


def search(browser: webdriver.Chrome, query: str, method: str = "keyword") -> None:
    field = browser.find_element(By.ID, "query")
    field.clear()
    field.send_keys(query)
    Select(browser.find_element(By.ID, "method")).select_by_value(method)
    before = browser.find_elements(By.CSS_SELECTOR, "#memories .memory")
    browser.find_element(By.CSS_SELECTOR, "#search-form button[type=submit]").click()
    if before:  # the results are drawn anew: wait until the old ones are gone
        WebDriverWait(browser, 10).until(expected_conditions.staleness_of(before[0]))


def stored(memory: Memory, user_id: str) -> list[str]:
    return [m.memory for m in memory.get_user_memories(user_id)]


def test_without_a_key_the_page_asks_for_one(page: webdriver.Chrome) -> None:
    wait_for_text(page, "status", "401")
    assert "Enter an API key" in page.find_element(By.ID, "status").text
    assert page.find_element(By.ID, "memories-panel").get_attribute("hidden") is not None


def test_users_with_counts_then_keyword_and_hybrid_search_and_topic_chips(
    page: webdriver.Chrome,
) -> None:
    use_key(page, ADMIN_KEY)
    wait_for_text(page, "users", "bob")
    counts = [b.text.split() for b in page.find_elements(By.CSS_SELECTOR, "#users button")]
    assert counts == [["alice", "2"], ["bob", "1"]]
    open_user(page, "alice")
    assert sorted(shown(page)) == ["The user lives in Oslo", "The user plays the cello"]

    search(page, "cello")
    wait_for_text(page, "result-info", "found by keyword")
    assert shown(page) == ["The user plays the cello"]
    search(page, "Oslo", method="hybrid")
    wait_for_text(page, "result-info", "1 found by")
    assert shown(page) == ["The user lives in Oslo"]

    search(page, "")
    wait_for_text(page, "result-info", "2 memories")
    page.find_element(By.ID, "include-expired").click()
    search(page, "")
    wait_for_text(page, "result-info", "3 memories")
    rome = item(page, "The user is in Rome")
    assert "expired" in rome.find_element(By.CSS_SELECTOR, ".meta .expired").text
    page.find_element(By.ID, "include-expired").click()
    search(page, "")
    wait_for_text(page, "result-info", "2 memories")
    chip = next(c for c in page.find_elements(By.CSS_SELECTOR, "#topics .chip") if "home" in c.text)
    chip.click()
    wait_for_text(page, "result-info", "1 memory")
    assert shown(page) == ["The user lives in Oslo"]
    assert chip.get_attribute("aria-pressed") == "true"


def test_a_memory_edited_inline_is_stored_and_its_history_shows_the_diff(
    page: webdriver.Chrome, memory: Memory
) -> None:
    open_user(page, "alice")
    cello = item(page, "The user plays the cello")
    cello.find_element(By.CSS_SELECTOR, "button.edit").click()
    text = cello.find_element(By.CSS_SELECTOR, ".edit-form textarea")
    text.clear()
    text.send_keys("The user plays the viola")
    topics = cello.find_element(By.CSS_SELECTOR, ".edit-form input:not([type])")
    topics.clear()
    topics.send_keys("music, strings")
    cello.find_element(By.CSS_SELECTOR, ".edit-form button[type=submit]").click()
    wait_for_text(page, "status", "Memory saved")

    assert "The user plays the viola" in shown(page)
    (viola,) = [m for m in memory.get_user_memories("alice") if "viola" in m.memory]
    assert viola.topics == ["music", "strings"]

    item(page, "The user plays the viola").find_element(By.CSS_SELECTOR, "button.history").click()
    WebDriverWait(page, 10).until(
        lambda browser: browser.find_elements(By.CSS_SELECTOR, ".events ins")
    )
    history = item(page, "The user plays the viola").find_element(By.CSS_SELECTOR, ".events")
    assert [e.text for e in history.find_elements(By.TAG_NAME, "del")] == ["cello"]
    assert "viola" in [e.text for e in history.find_elements(By.TAG_NAME, "ins")]
    assert history.find_element(By.TAG_NAME, "strong").text == "added"


def test_delete_asks_for_confirmation_first(page: webdriver.Chrome, memory: Memory) -> None:
    open_user(page, "alice")
    oslo = item(page, "The user lives in Oslo")
    oslo.find_element(By.CSS_SELECTOR, "button.delete").click()
    confirm = oslo.find_element(By.CSS_SELECTOR, "button.confirm-delete")
    assert "The user lives in Oslo" in stored(memory, "alice")

    oslo.find_element(By.XPATH, ".//button[text()='Cancel']").click()
    assert not oslo.find_elements(By.CSS_SELECTOR, "button.confirm-delete")
    oslo.find_element(By.CSS_SELECTOR, "button.delete").click()
    confirm = oslo.find_element(By.CSS_SELECTOR, "button.confirm-delete")
    assert page.switch_to.active_element == confirm
    confirm.click()
    wait_for_text(page, "status", "Memory deleted")

    assert shown(page) == ["The user plays the cello"]
    assert stored(memory, "alice") == ["The user plays the cello"]


def test_erase_needs_the_user_id_typed(page: webdriver.Chrome, memory: Memory) -> None:
    open_user(page, "alice")
    erase = page.find_element(By.ID, "erase-button")
    typed = page.find_element(By.ID, "erase-confirm")
    typed.send_keys("alic")
    assert not erase.is_enabled()
    typed.send_keys("e")
    assert erase.is_enabled()
    erase.click()
    wait_for_text(page, "status", "Erased alice")

    assert [b.text.split()[0] for b in page.find_elements(By.CSS_SELECTOR, "#users button")] == [
        "bob"
    ]
    assert stored(memory, "alice") == []
    assert stored(memory, "bob") == ["The user is called Bob"]


def test_what_the_agent_sees_for_a_message(page: webdriver.Chrome) -> None:
    open_user(page, "alice")
    page.find_element(By.ID, "prompt-message").send_keys("What should I practise today?")
    page.find_element(By.CSS_SELECTOR, "#prompt-form button").click()
    WebDriverWait(page, 10).until(
        lambda browser: browser.find_element(By.ID, "prompt-block").is_displayed()
    )
    block = page.find_element(By.ID, "prompt-block").text
    assert "The user plays the cello" in block
    assert "memories_from_previous_interactions" in block


def test_export_downloads_the_users_memories(page: webdriver.Chrome, tmp_path: Path) -> None:
    downloads = tmp_path / "downloads"
    page.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    open_user(page, "alice")
    page.find_element(By.ID, "export").click()
    wait_for_text(page, "status", "Exported 2 memories")
    exported = downloads / "alice-memories.json"
    WebDriverWait(page, 10).until(lambda _: exported.exists())
    data = json.loads(exported.read_text())
    assert data["user_id"] == "alice"
    assert sorted(m["memory"] for m in data["memories"]) == [
        "The user lives in Oslo",
        "The user plays the cello",
    ]


def test_a_user_key_sees_only_its_user(page: webdriver.Chrome, memory: Memory) -> None:
    use_key(page, ALICE_KEY)
    wait_for_text(page, "status", "1 user")
    assert [b.text.split()[0] for b in page.find_elements(By.CSS_SELECTOR, "#users button")] == [
        "alice"
    ]
    page.find_element(By.ID, "user-id").send_keys("bob")
    page.find_element(By.CSS_SELECTOR, "#user-form button").click()
    wait_for_text(page, "status", "403")
    assert "Bob" not in page.find_element(By.TAG_NAME, "body").text
    assert not page.find_element(By.ID, "memories-panel").is_displayed()
    assert stored(memory, "bob") == ["The user is called Bob"]


def test_fits_a_phone_is_labelled_and_loads_nothing_from_elsewhere(
    page: webdriver.Chrome,
) -> None:
    open_user(page, "alice")
    width = page.execute_script("return document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH
    unlabelled = page.execute_script(
        "return [...document.querySelectorAll('input, select, textarea')]"
        ".filter(e => e.labels.length === 0).map(e => e.outerHTML)"
    )
    assert unlabelled == []
    origin = page.execute_script("return location.origin")
    loaded = page.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded
    assert all(url.startswith(origin) for url in loaded)
    reached = set()
    for _ in range(40):
        ActionChains(page).send_keys(Keys.TAB).perform()
        focused = page.switch_to.active_element
        reached.add(focused.get_attribute("id") or focused.get_attribute("class"))
    assert {
        "api-key",
        "forget-key",
        "agent",
        "user",
        "query",
        "method",
        "edit",
        "delete",
    } <= reached
