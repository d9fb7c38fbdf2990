"""Rules edited in the user's TOML file: only the rule changed moves, and a saved file loads."""

from __future__ import annotations

import pytest

from cryptotui.alerts.rules import RuleError
from cryptotui.alerts.rules_file import RulesFile, RulesFileError, compact
from cryptotui.config import load_config

HEAD = """\
# My cryptotui config — hand-written, keep my notes!
[watchlist]
symbols = ["BTCUSDT", "ETHUSDT"]   # the two I trade

[alerts]
bell = true    # ring the terminal
# rules, most important first
rules = [
  # the big one
  { name = "btc-100k", when = "price crosses 100000", symbols = ["BTCUSDT"] },
"""
EDITED = """\
  {name="eth",   when="price > 5000", cooldown=60},  # eth: odd spacing on purpose
"""
TAIL = """\
  { name = "oversold", when = "rsi_14 < 30", frequency = 'once' },
]
# a trailing note

[store]
enabled = true  # keep history
"""
USER = HEAD + EDITED + TAIL


@pytest.fixture
def user(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(USER, encoding="utf-8")
    return path


def test_an_edit_leaves_every_byte_outside_the_changed_rule(user):
    RulesFile(user).replace(1, {"name": "eth", "when": "price > 6000", "cooldown": 60})
    text = user.read_text(encoding="utf-8")
    assert text.startswith(HEAD) and text.endswith(TAIL)
    changed = text[len(HEAD) : len(text) - len(TAIL)]
    assert "price > 6000" in changed and "# eth: odd spacing on purpose" in changed
    assert load_config(user, env={}).alerts.rules[1]["when"] == "price > 6000"


def test_add_delete_and_switching_off_keep_the_rest(user):
    rules = RulesFile(user)
    assert rules.add({"name": "sol", "when": "price < 100", "symbols": ["SOLUSDT"]}) == 3
    text = user.read_text(encoding="utf-8")
    assert text.startswith(HEAD + EDITED) and "# a trailing note\n\n[store]" in text
    removed = rules.delete(1)
    assert removed == {"name": "eth", "when": "price > 5000", "cooldown": 60}
    assert [t["name"] for t in rules.tables()] == ["btc-100k", "oversold", "sol"]
    assert user.read_text(encoding="utf-8").startswith(HEAD + TAIL.splitlines()[0])
    rules.insert(1, removed)  # the undo
    assert [t["name"] for t in rules.tables()] == ["btc-100k", "eth", "oversold", "sol"]
    rules.set_enabled(0, False)
    assert rules.tables()[0]["enabled"] is False
    loaded = load_config(user, env={})
    assert loaded.alerts.rules[0]["enabled"] is False and loaded.watchlist.symbols[1] == "ETHUSDT"
    rules.set_enabled(0, True)
    assert "enabled" not in rules.tables()[0]
    assert user.read_text(encoding="utf-8").startswith(HEAD)


def test_an_array_of_tables_file_gets_tables(tmp_path):
    path = tmp_path / "config.toml"
    original = '# mine\n[[alerts.rules]]\nname = "a"  # first\nwhen = "price > 1"\n'
    path.write_text(original, encoding="utf-8")
    rules = RulesFile(path)
    rules.add({"name": "b", "when": "price < 1"})
    text = path.read_text(encoding="utf-8")
    assert text.startswith(original) and "[[alerts.rules]]" in text[len(original) :]
    assert [r["name"] for r in load_config(path, env={}).alerts.rules] == ["a", "b"]


def test_a_missing_file_or_section_is_created(tmp_path):
    path = tmp_path / "new" / "config.toml"
    RulesFile(path).add({"name": "a", "when": "price > 1"})
    assert load_config(path, env={}).alerts.rules == ({"name": "a", "when": "price > 1"},)
    other = tmp_path / "other.toml"
    other.write_text("[store]\nenabled = false # off\n", encoding="utf-8")
    RulesFile(other).add({"name": "a", "when": "price > 1"})
    assert other.read_text(encoding="utf-8").startswith("[store]\nenabled = false # off\n")
    assert load_config(other, env={}).alerts.rules[0]["name"] == "a"


def test_a_refused_rule_leaves_the_file_untouched(user):
    rules = RulesFile(user)
    with pytest.raises(RuleError) as err:
        rules.replace(1, {"name": "eth", "when": "price >> 5"})
    assert (err.value.key, err.value.column) == ("when", 8)
    with pytest.raises(RuleError, match="another rule has this name"):
        rules.add({"name": "eth", "when": "price > 1"})
    assert user.read_text(encoding="utf-8") == USER


def test_a_broken_file_is_reported_not_overwritten(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[alerts\nrules = 1\n", encoding="utf-8")
    with pytest.raises(RulesFileError, match="invalid TOML"):
        RulesFile(path).add({"name": "a", "when": "price > 1"})
    assert path.read_text(encoding="utf-8") == "[alerts\nrules = 1\n"


def test_compact_drops_defaults_the_rule_did_not_write():
    values = {"name": "a", "when": "price > 1", "interval": "1m", "cooldown": 0, "symbols": []}
    assert compact(values) == {"name": "a", "when": "price > 1"}
    kept = compact(values, {"interval": "5m"})
    assert kept == {"name": "a", "when": "price > 1", "interval": "1m"}
