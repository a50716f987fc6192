"""Regenerate docs/inspector.png: the inspector at a phone's width, in Debian's headless
Chromium, on a few example memories (`uv run python docs/inspector_screenshot.py`)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from memory import Memory, SqliteMemoryDb, UserMemory
from server import ApiKeys, create_app
from tests.live_server import live_server

OUT = Path(__file__).parent / "inspector.png"
WIDTH, HEIGHT = 390, 1250


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        memory = Memory(SqliteMemoryDb(db_file=str(Path(folder) / "memories.db")))
        for text, topics in [
            ("The user's name is Ava", ["name"]),
            ("The user plays the cello", ["music", "hobbies"]),
            ("The user lives in Oslo", ["home"]),
        ]:
            memory.add_user_memory(UserMemory(memory=text, topics=topics), "ava")
        (cello,) = memory.search_user_memories("ava", "cello", retrieval_method="keyword")
        memory.replace_user_memory(
            str(cello.memory_id),
            UserMemory(memory="The user plays the viola", topics=["music", "hobbies"]),
            "ava",
        )
        memory.add_user_memory("The user is called Bob", "bob")
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--hide-scrollbars"):
            options.add_argument(argument)
        browser = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": True},
        )
        try:
            with live_server(create_app(memory, keys=ApiKeys())) as url:
                browser.get(f"{url}/memory/")
                time.sleep(1)
                browser.find_element(By.CSS_SELECTOR, "#users button").click()
                time.sleep(1)
                for item in browser.find_elements(By.CSS_SELECTOR, "#memories .memory"):
                    if "viola" in item.text:
                        item.find_element(By.CSS_SELECTOR, "button.history").click()
                time.sleep(1)
                browser.execute_script("window.scrollTo(0, 0)")
                browser.save_screenshot(str(OUT))
        finally:
            browser.quit()
            memory.close()


if __name__ == "__main__":
    main()
