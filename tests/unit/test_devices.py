"""Devices are User-Agents without their version numbers, named for people in the new-device mail."""

from __future__ import annotations

from docket.identity import devices

MAC_CHROME = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36"
)
MAC_CHROME_UPDATED = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/121.0.6167.85 Safari/537.36"
)
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"


def test_an_update_is_the_same_device_and_another_browser_is_not() -> None:
    assert devices.normalize(MAC_CHROME) == devices.normalize(MAC_CHROME_UPDATED)
    assert devices.normalize(MAC_CHROME) != devices.normalize(WINDOWS_FIREFOX)
    assert devices.normalize("  Curl/8.5.0 ") == "curl/"
    assert devices.normalize(None) == devices.normalize("  ") == devices.UNKNOWN
    assert len(devices.normalize("x" * 1000)) == devices.MAX_LENGTH


def test_devices_are_named_by_browser_and_system() -> None:
    assert devices.describe(MAC_CHROME) == "Chrome on macOS"
    assert devices.describe(WINDOWS_FIREFOX) == "Firefox on Windows"
    assert devices.describe("python-httpx/0.28.1") == "a Python program"
    assert devices.describe(None) == "an unrecognized device"
