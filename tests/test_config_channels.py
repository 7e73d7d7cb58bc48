"""config: channel secrets are resolved only for the commands that send (issue #16, item 6)."""

from __future__ import annotations

import pytest

from monitor.config import parse_config
from monitor.errors import ConfigError

TEXT = """
[[topics]]
name = "t"
query = "xiaomi"
channels = ["hook"]

[[channels]]
name = "hook"
url = "json://hooks.example.com/${WEBHOOK_TOKEN}"
"""


def test_sending_needs_the_secret_and_says_which() -> None:
    with pytest.raises(ConfigError, match=r"channels\[0\]\.url.*WEBHOOK_TOKEN is not set"):
        parse_config(TEXT, env={})
    assert parse_config(TEXT, env={"WEBHOOK_TOKEN": "abc123"}).channels[0].url == "json://hooks.example.com/abc123"


def test_reading_keeps_the_placeholder_and_still_checks_the_rest() -> None:
    [channel] = parse_config(TEXT, env={}, resolve_channels=False).channels
    assert channel.url == "json://hooks.example.com/${WEBHOOK_TOKEN}" and channel.name == "hook"
    with pytest.raises(ConfigError, match="bad placeholder"):
        parse_config(TEXT.replace("${WEBHOOK_TOKEN}", "${WEBHOOK-TOKEN}"), env={}, resolve_channels=False)
    with pytest.raises(ConfigError, match="unknown channel"):
        parse_config(TEXT.replace('channels = ["hook"]', 'channels = ["hoook"]'), env={}, resolve_channels=False)
