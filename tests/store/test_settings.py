"""The [store] section: defaults, overrides, and errors that say what to write."""

from __future__ import annotations

import re
from pathlib import Path

import platformdirs
import pytest

from cryptotui.config import ConfigError, load_config
from cryptotui.store.settings import store_config


def settings(tmp_path: Path, text: str = "", env: dict[str, str] | None = None, db=None):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return store_config(load_config(path, env=env or {}), db)


def test_defaults(tmp_path: Path) -> None:
    s = settings(tmp_path)
    assert s.enabled is True
    assert s.path == platformdirs.user_data_path("cryptotui", appauthor=False) / "cryptotui.db"
    assert s.retention_days == {"1s": 2.0, "1m": 30.0}
    assert (s.batch_rows, s.batch_seconds, s.max_pending_rows) == (5000, 0.25, 1_000_000)


def test_file_environment_and_flag_override_in_order(tmp_path: Path) -> None:
    text = '[store]\npath = "~/market.db"\nretention_days = ["1h=400", "1m=7.5"]\n'
    s = settings(tmp_path, text)
    assert s.path == Path.home() / "market.db"
    assert s.retention_days == {"1h": 400.0, "1m": 7.5}
    env = {"CRYPTOTUI_STORE_RETENTION_DAYS": "1s=1", "CRYPTOTUI_STORE_PATH": "/data/a.db"}
    s = settings(tmp_path, text, env)
    assert s.retention_days == {"1s": 1.0}
    assert s.path == Path("/data/a.db")
    assert settings(tmp_path, text, env, db=tmp_path / "flag.db").path == tmp_path / "flag.db"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('retention_days = ["1m:30"]', r"store\.retention_days: '1m:30' is not INTERVAL=DAYS"),
        ('retention_days = ["2m=30"]', r"'2m=30' is not INTERVAL=DAYS.*1s, 1m"),
        ('retention_days = ["1m=-1"]', r"0 or more days"),
        ('retention_days = ["1m=nan"]', r"0 or more days"),
        ('retention_days = ["1m=abc"]', r"store\.retention_days: '1m=abc' is not INTERVAL=DAYS"),
        ("batch_rows = 0", r"store\.batch_rows: 0 is not allowed; use 1 or more"),
        ("batch_seconds = 0", r"store\.batch_seconds: 0\.0 is not allowed"),
        ("max_pending_rows = 10", r"store\.max_pending_rows: .* below batch_rows \(5000\)"),
    ],
)
def test_bad_values_are_refused_at_load_with_file_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    """Refused by `load_config` itself (as `config validate` runs it), at the value's line."""
    path = tmp_path / "config.toml"
    path.write_text(f"[store]\n\n{text}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}:3: .*{message}"):
        load_config(path, env={})


def test_types_are_checked_by_the_loader(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config\.toml:2: store\.batch_rows: expected a whole"):
        settings(tmp_path, '[store]\nbatch_rows = "many"\n')
