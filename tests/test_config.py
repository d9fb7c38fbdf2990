"""Config loading: layering, validation, and error messages a user can act on.

Every test passes `env` explicitly and, unless it tests the default location, an explicit user
file, so the developer's own environment and ~/.config never leak in.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from textwrap import dedent
from typing import Any

import msgspec
import pytest

from cryptotui.config import (
    COMMAND_LINE,
    Config,
    ConfigError,
    default_config_path,
    load_config,
    render,
)

REPO_DEFAULTS = Path(__file__).resolve().parents[1] / "config" / "default.toml"


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(dedent(text).lstrip(), encoding="utf-8")
    return path


def load(path: Path, env: dict[str, str] | None = None, **kwargs: Any) -> Config:
    return load_config(path, env=env or {}, **kwargs)


def error_of(path: Path | None, env: dict[str, str] | None = None, **kwargs: Any) -> str:
    """The ConfigError message, checked to be the single line the CLI will print."""
    with pytest.raises(ConfigError) as info:
        load_config(path, env=env or {}, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


def frozen(value: Any) -> Any:
    """TOML lists as the tuples Config holds."""
    return tuple(value) if isinstance(value, list) else value


def as_tables(config: Config) -> dict[str, dict[str, Any]]:
    """The typed sections back as {section: {key: value}}."""
    return {
        field.name: msgspec.structs.asdict(getattr(config, field.name))
        for field in msgspec.structs.fields(config)
        if isinstance(getattr(config, field.name), msgspec.Struct)
    }


def test_defaults_equal_default_toml(tmp_path: Path) -> None:
    empty = write(tmp_path, "")
    config = load(empty)
    expected = tomllib.loads(REPO_DEFAULTS.read_text(encoding="utf-8"))

    assert as_tables(config) == {
        section: {key: frozen(value) for key, value in values.items()}
        for section, values in expected.items()
    }
    assert config.exchange.rest_url == expected["exchange"]["rest_url"]
    assert config.watchlist.symbols == tuple(expected["watchlist"]["symbols"])
    assert config.stream.backoff_max == expected["stream"]["backoff_max"]
    assert config.demo.seed == expected["demo"]["seed"]
    assert config.sources == (str(default_config_path()), str(empty))


def test_user_file_overrides_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [exchange]
        rest_url = "https://api.binance.com/"
        [demo]
        speed = 2
        """,
    )
    config = load(path)

    assert config.exchange.rest_url == "https://api.binance.com"  # trailing slash dropped
    assert config.demo.speed == 2.0
    assert isinstance(config.demo.speed, float)
    assert config.exchange.ws_url == "wss://data-stream.binance.vision"  # untouched default


def test_env_overrides_file_with_lists_and_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "[stream]\nstall_factor = 3.0\nbackoff_max = 60.0\n")
    env = {
        "CRYPTOTUI_WATCHLIST_SYMBOLS": "btcusdt, ETHUSDT,",
        "CRYPTOTUI_STREAM_STALL_FACTOR": "2.5",
        "CRYPTOTUI_DEMO_SEED": "42",
        "CRYPTOTUI_EXCHANGE_WS_URL": "",  # empty counts as unset
        "CRYPTOTUI_CONFIGURED": "unrelated variables are ignored",
    }
    config = load(path, env)

    assert config.watchlist.symbols == ("BTCUSDT", "ETHUSDT")
    assert config.stream.stall_factor == 2.5
    assert config.stream.backoff_max == 60.0  # from the file, not overridden
    assert config.demo.seed == 42
    assert config.exchange.ws_url == "wss://data-stream.binance.vision"
    assert config.sources[1:] == (
        str(path),
        "CRYPTOTUI_WATCHLIST_SYMBOLS",
        "CRYPTOTUI_STREAM_STALL_FACTOR",
        "CRYPTOTUI_DEMO_SEED",
    )


def test_overrides_dict_beats_env_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[exchange]\nrest_url = "https://file.example"\n')
    env = {"CRYPTOTUI_EXCHANGE_REST_URL": "https://env.example"}
    overrides = {"exchange": {"rest_url": "http://flag.example", "ws_url": None}}
    config = load(path, env, overrides=overrides)

    assert config.exchange.rest_url == "http://flag.example"
    assert config.exchange.ws_url == "wss://data-stream.binance.vision"  # None means "not given"
    assert config.sources[-1] == COMMAND_LINE


def test_overrides_of_only_none_add_no_source(tmp_path: Path) -> None:
    config = load(write(tmp_path, ""), overrides={"demo": {"seed": None}})
    assert COMMAND_LINE not in config.sources


def test_cryptotui_config_env_names_the_user_file(tmp_path: Path) -> None:
    named = write(tmp_path, "[demo]\nseed = 1\n", name="named.toml")
    explicit = write(tmp_path, "[demo]\nseed = 2\n", name="explicit.toml")

    assert load_config(env={"CRYPTOTUI_CONFIG": str(named)}).demo.seed == 1
    assert load_config(explicit, env={"CRYPTOTUI_CONFIG": str(named)}).demo.seed == 2


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="XDG_CONFIG_HOME is Unix-only")
def test_default_location_is_optional(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert load_config(env={}).sources == (str(default_config_path()),)

    user = tmp_path / "cryptotui" / "config.toml"
    user.parent.mkdir()
    user.write_text("[demo]\nseed = 99\n", encoding="utf-8")
    config = load_config(env={})
    assert config.demo.seed == 99
    assert config.sources[-1] == str(user)


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [exchange]
        rest_url = "https://api.binance.com"
        ws_url = wss://stream.binance.com
        """,
    )
    message = error_of(path)
    assert f"{path.name}:3:" in message
    assert "invalid TOML: Invalid value" in message


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    path = write(tmp_path, '[exchange]\n\nrest_ulr = "https://x.example"\n')
    message = error_of(path)
    assert f"{path.name}:3: exchange.rest_ulr: unknown setting" in message
    assert "did you mean exchange.rest_url?" in message


def test_unknown_section_suggests_the_right_one(tmp_path: Path) -> None:
    path = write(tmp_path, '[watchlist]\nintervals = ["1m"]\n[watchlst]\nsymbols = []\n')
    message = error_of(path)
    assert f"{path.name}:3: [watchlst]: unknown section" in message
    assert "did you mean [watchlist]?" in message


def test_setting_outside_a_section_says_which_section(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "seed = 3\n"))
    assert "config.toml:1: seed:" in message
    assert "put it under [demo]" in message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[stream]\nbackoff_max = 60.0\n\nstall_factor = "fast"\n', 4),
        ('# comment\nstream.stall_factor = "fast"\n', 2),
        ('demo = { seed = 1 }\nstream = { backoff_max = 9.0, stall_factor = "fast" }\n', 2),
    ],
    ids=["section", "dotted", "inline"],
)
def test_wrong_type_names_line_and_key(tmp_path: Path, text: str, line: int) -> None:
    path = write(tmp_path, text)
    message = error_of(path)
    assert f"{path.name}:{line}: stream.stall_factor: expected a number like 5.0" in message
    assert 'got "fast"' in message


def test_bool_is_not_a_number(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "[demo]\nseed = true\n"))
    assert "config.toml:2: demo.seed: expected a whole number like 7, got true" in message


def test_bad_interval_lists_the_valid_ones(tmp_path: Path) -> None:
    path = write(tmp_path, '[watchlist]\nsymbols = ["BTCUSDT"]\nintervals = ["1m", "2m"]\n')
    message = error_of(path)
    assert f"{path.name}:3: watchlist.intervals: '2m' is not a Binance interval" in message
    assert "use one of 1s, 1m, 3m," in message
    assert message.endswith("1w, 1M")


def test_interval_case_is_meaningful(tmp_path: Path) -> None:
    config = load(write(tmp_path, '[watchlist]\nintervals = ["1M", "1m", "1m"]\n'))
    assert config.watchlist.intervals == ("1M", "1m")


@pytest.mark.parametrize(
    ("key", "url", "expected"),
    [
        ("rest_url", "wss://data-stream.binance.vision", "https:// or http://"),
        ("ws_url", "https://data-api.binance.vision", "wss:// or ws://"),
        ("rest_url", "data-api.binance.vision", "https:// or http://"),
    ],
)
def test_bad_url_scheme(tmp_path: Path, key: str, url: str, expected: str) -> None:
    path = write(tmp_path, f'[exchange]\n{key} = "{url}"\n')
    message = error_of(path)
    assert (
        f"{path.name}:2: exchange.{key}: '{url}' is not a URL starting with {expected}" in message
    )


def test_symbols_are_upper_cased_and_deduplicated(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [watchlist]
        symbols = ["btcusdt", "EthUsdt", "BTCUSDT"]
        [demo]
        symbols = ["solusdt"]
        """,
    )
    config = load(path)
    assert config.watchlist.symbols == ("BTCUSDT", "ETHUSDT")
    assert config.demo.symbols == ("SOLUSDT",)


@pytest.mark.parametrize("symbols", ['["BTC-USDT"]', "[]"])
def test_bad_symbols(tmp_path: Path, symbols: str) -> None:
    message = error_of(write(tmp_path, f"[watchlist]\nsymbols = {symbols}\n"))
    assert "config.toml:2: watchlist.symbols: " in message
    assert "BTCUSDT" in message  # the example of what to write


@pytest.mark.parametrize(
    ("text", "blamed"),
    [
        ("[stream]\nstall_factor = 0\n", "stream.stall_factor: 0.0 is not allowed"),
        ("[demo]\nspeed = -1.5\n", "demo.speed: -1.5 is not allowed"),
        ("[demo]\nseed = -1\n", "demo.seed: -1 is not allowed"),
        ("[stream]\nmax_connection_age_hours = 25\n", "stream.max_connection_age_hours: 25.0"),
        ("[stream]\nbackoff_max = nan\n", "stream.backoff_max: expected a number"),
    ],
)
def test_numbers_out_of_range(tmp_path: Path, text: str, blamed: str) -> None:
    assert blamed in error_of(write(tmp_path, text))


def test_backoff_order_blames_the_value_set_last(tmp_path: Path) -> None:
    path = write(tmp_path, "[stream]\nbackoff_max = 10.0\nbackoff_initial = 20.0\n")
    message = error_of(path)
    assert f"{path.name}:2: stream.backoff_max: backoff_max (10.0) is below" in message

    message = error_of(path, {"CRYPTOTUI_STREAM_BACKOFF_INITIAL": "40"})
    assert message.startswith("environment variable CRYPTOTUI_STREAM_BACKOFF_INITIAL: ")


def test_explicitly_named_missing_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    message = error_of(missing)
    assert "nope.toml: no such config file; check the --config path" in message

    message = error_of(None, {"CRYPTOTUI_CONFIG": str(missing)})
    assert "nope.toml: no such config file" in message
    assert "CRYPTOTUI_CONFIG" in message


def test_env_errors_name_the_variable(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    message = error_of(path, {"CRYPTOTUI_STREAM_STALL_FACTOR": "fast"})
    assert message == (
        "environment variable CRYPTOTUI_STREAM_STALL_FACTOR: stream.stall_factor: "
        'expected a number like 5.0, got "fast"'
    )

    message = error_of(path, {"CRYPTOTUI_WATCHLIST_INTERVALS": "1m,2m"})
    assert message.startswith(
        "environment variable CRYPTOTUI_WATCHLIST_INTERVALS: watchlist.intervals: '2m' is not"
    )


def test_env_typo_suggests_the_variable(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, ""), {"CRYPTOTUI_WATCHLIST_SYMBOL": "BTCUSDT"})
    assert "CRYPTOTUI_WATCHLIST_SYMBOL: not a cryptotui setting" in message
    assert "did you mean CRYPTOTUI_WATCHLIST_SYMBOLS?" in message


def test_command_line_errors_say_so(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, ""), overrides={"demo": {"speed": "fast"}})
    assert message.startswith(f"{COMMAND_LINE}: demo.speed: expected a number")


def test_render_is_toml_of_the_effective_config(tmp_path: Path) -> None:
    path = write(tmp_path, '[watchlist]\nsymbols = ["ethusdt"]\n')
    config = load(path, {"CRYPTOTUI_DEMO_SPEED": "4"})
    text = render(config)

    header = [line for line in text.splitlines() if line.startswith("#")]
    assert header[1:] == [f"#   {source}" for source in config.sources]
    parsed = tomllib.loads(text)
    assert parsed["watchlist"]["symbols"] == ["ETHUSDT"]
    assert parsed["demo"]["speed"] == 4.0
    assert {s: {k: frozen(v) for k, v in t.items()} for s, t in parsed.items()} == as_tables(config)


def test_every_section_is_typed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [store]
        batch_rows = 10
        [engine]
        detectors = ["volume_spike"]
        [scoring]
        market = 1
        [alerts]
        rules = [{ name = "r", when = "price > 1" }]
        """,
    )
    config = load(path)

    assert config.store.batch_rows == 10
    assert config.engine.detectors == ("volume_spike",)
    assert config.scoring.market == 1.0
    assert isinstance(config.scoring.market, float)
    assert config.alerts.rules == ({"name": "r", "when": "price > 1"},)
    assert config.alerts.min_confidence == 0.6


def test_scoring_section_names_the_scorers_factors(tmp_path: Path) -> None:
    from cryptotui.scoring import DEFAULT_WEIGHTS, FACTORS

    weights = load(write(tmp_path, "")).scoring.weights()
    assert tuple(weights) == FACTORS
    assert weights == DEFAULT_WEIGHTS


def test_env_sets_a_list_of_tables_as_toml(tmp_path: Path) -> None:
    env = {"CRYPTOTUI_ALERTS_RULES": '[{ name = "r", when = "price > 1" }]'}
    assert load(write(tmp_path, ""), env).alerts.rules == ({"name": "r", "when": "price > 1"},)

    message = error_of(write(tmp_path, ""), {"CRYPTOTUI_ALERTS_RULES": "price > 1"})
    assert message.startswith(
        "environment variable CRYPTOTUI_ALERTS_RULES: alerts.rules: expected a list of tables"
    )


def test_render_says_where_each_value_was_set(tmp_path: Path) -> None:
    path = write(tmp_path, "[demo]\n\nseed = 3\n")
    config = load(path, {"CRYPTOTUI_DEMO_SPEED": "4"}, overrides={"demo": {"symbols": ["ethusdt"]}})
    lines = render(config).splitlines()

    assert f"seed = 3  # from {path}:3" in lines
    assert "speed = 4.0  # from environment variable CRYPTOTUI_DEMO_SPEED" in lines
    assert f'symbols = ["ETHUSDT"]  # from {COMMAND_LINE}' in lines
    assert 'ws_url = "wss://data-stream.binance.vision"' in lines  # a default: no comment


def test_config_validate_runs_the_whole_validation(tmp_path: Path, run_cli, capsys) -> None:
    """What start-up refuses, `config validate` refuses: same line, same exit code."""
    path = write(tmp_path, '[store]\nretention_days = ["1s=2", "1m=abc"]\n', name="bad.toml")
    assert run_cli("config", "validate", "--config", str(path)) == 2
    err = capsys.readouterr().err
    assert f"{path}:2: store.retention_days: '1m=abc' is not INTERVAL=DAYS" in err
    assert "configuration OK" not in err


def test_a_bad_rule_is_reported_at_its_own_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [alerts]
        rules = [
          { name = "fine", when = "price > 1" },  # a comment, with [brackets], "quotes"

          { name = "also, fine [1]", when = "rsi_14 < 30", symbols = ["BTCUSDT", "ETHUSDT"] },
          { name = "broken", when = "price >> 1" },
        ]
        """,
    )
    message = error_of(path)
    assert message.startswith(f"{path}:6: alerts.rules: rule 'broken'")


def test_a_bad_rule_in_an_array_of_tables_is_reported_at_its_header(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[alerts.rules]]
        name = "fine"
        when = "price > 1"

        [[alerts.rules]]
        name = "broken"
        when = "price crosses"
        """,
    )
    assert error_of(path).startswith(f"{path}:5: alerts.rules: rule 'broken'")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('"BTCUSDT",\n  "ETH-USDT",', "'ETH-USDT' is not a Binance symbol"),
        ('"BTCUSDT",\n  7,', "expected a list of strings"),
    ],
)
def test_a_bad_list_element_is_reported_at_its_own_line(
    tmp_path: Path, value: str, problem: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[watchlist]\nsymbols = [\n  {value}\n]\n", encoding="utf-8")
    assert error_of(path).startswith(f"{path}:4: watchlist.symbols: {problem}")


def test_store_rules_across_keys_blame_the_key_set_last(tmp_path: Path) -> None:
    path = write(tmp_path, "[store]\nbatch_rows = 100\nmax_pending_rows = 50\n")
    assert error_of(path).startswith(
        f"{path}:3: store.max_pending_rows: max_pending_rows (50) is below batch_rows (100)"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[scoring]\nhistory = 0.2\nvolume = -0.2\n", ":3: scoring.volume: -0.2 is not allowed"),
        (
            "[scoring]\nsignificance = 0\nhistory = 0\nvolume = 0\ntimeframes = 0.0\nmarket = 0\n",
            ":2: scoring.significance: every weight is 0; give at least one factor a weight",
        ),
    ],
    ids=["negative", "all-zero"],
)
def test_scoring_weights_the_scorer_refuses_are_refused_at_load(
    tmp_path: Path, run_cli, capsys, text: str, expected: str
) -> None:
    path = write(tmp_path, text, name="weights.toml")
    assert f"{path}{expected}" in error_of(path)
    assert run_cli("config", "validate", "--config", str(path)) == 2
    assert f"{path}{expected}" in capsys.readouterr().err


def test_zero_weights_pass_while_one_is_positive(tmp_path: Path) -> None:
    from cryptotui.scoring import Scorer

    config = load(write(tmp_path, "[scoring]\nsignificance = 0\nhistory = 0\n"))
    assert Scorer(config.scoring.weights()).weights["significance"] == 0.0


def test_jsonl_path_must_be_a_file_in_an_existing_directory(tmp_path: Path) -> None:
    path = write(tmp_path, f'[alerts]\njsonl_path = "{tmp_path}"\n')
    assert error_of(path).startswith(
        f"{path}:2: alerts.jsonl_path: cannot write {tmp_path}: it is a directory; name a file"
    )
    env = {"CRYPTOTUI_ALERTS_JSONL_PATH": str(tmp_path / "nope" / "alerts.jsonl")}
    assert error_of(path, env).startswith(f"{path}:2:")  # the file holds a bad value too
    empty = write(tmp_path, "", name="empty.toml")
    assert error_of(empty, env).startswith(
        "environment variable CRYPTOTUI_ALERTS_JSONL_PATH: alerts.jsonl_path: cannot write"
    )
    assert "does not exist" in error_of(empty, env)

    fine = {"CRYPTOTUI_ALERTS_JSONL_PATH": str(tmp_path / "alerts.jsonl")}
    assert load(empty, fine).alerts.jsonl_path == str(tmp_path / "alerts.jsonl")
