import tomllib
from pathlib import Path

import pytest

from uberforecast.config import DEFAULTS, load_config, parse_override

CONFIGS = Path(__file__).parents[1] / "pipelines" / "configs"


def test_chicago_config_spells_out_the_defaults():
    with (CONFIGS / "chicago.toml").open("rb") as file:
        assert tomllib.load(file) == DEFAULTS


def test_overrides_parse_toml_values():
    assert parse_override("model.lookback=14") == ("model.lookback", 14)
    assert parse_override("model.levels=[50, 90]") == ("model.levels", [50, 90])
    assert parse_override("data.path=some/file.csv") == ("data.path", "some/file.csv")


def test_unknown_key_is_refused():
    with pytest.raises(ValueError, match="Unknown config key model.lookbak"):
        load_config(overrides=["model.lookbak=3"])


def test_override_wins_over_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[model]\nlookback = 10\nhorizon = 2\n")
    config = load_config(path, ["model.lookback=12"])
    assert config["model"]["lookback"] == 12 and config["model"]["horizon"] == 2


def test_a_word_where_a_list_belongs_is_refused():
    with pytest.raises(ValueError, match="`data.features`.*expected a list"):
        load_config(overrides=["data.features=temp"])


def test_a_broken_list_is_refused():
    with pytest.raises(ValueError, match="not a TOML value"):
        load_config(overrides=["model.encoder_units=[4,"])


def test_a_number_where_a_string_belongs_is_refused():
    with pytest.raises(ValueError, match="`data.target`.*expected a string"):
        load_config(overrides=["data.target=3"])


def test_an_unquoted_date_where_a_string_belongs_is_its_iso_text(tmp_path):
    # TOML reads 2011-08-16 as a date; `data.start` takes text that pandas parses.
    assert load_config(overrides=["data.start=2011-08-16"])["data"]["start"] == (
        "2011-08-16"
    )
    path = tmp_path / "c.toml"
    path.write_text("[data]\nstart = 2011-08-16T06:00:00\n")
    assert load_config(path)["data"]["start"] == "2011-08-16T06:00:00"
