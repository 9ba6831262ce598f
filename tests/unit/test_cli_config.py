"""The server address: --server, else the config file ($SKIFF_CONFIG or ~/.skiff/config), else default."""
from __future__ import annotations

import pytest

from cli import config
from cli.errors import CliError


def test_default_when_no_config_exists(tmp_path):
    assert config.load(None, {"HOME": str(tmp_path)}).server == "127.0.0.1:6443"


def test_config_file_named_by_env_then_flag_wins(tmp_path):
    path = tmp_path / "cfg"
    path.write_text("server: 10.0.0.1:7443\nnamespace: lab\n")
    loaded = config.load(None, {"SKIFF_CONFIG": str(path)})
    assert (loaded.server, loaded.namespace) == ("10.0.0.1:7443", "lab")
    assert config.load("1.2.3.4:1", {"SKIFF_CONFIG": str(path)}).server == "1.2.3.4:1"


def test_missing_env_config_and_bad_yaml_are_reported(tmp_path):
    with pytest.raises(CliError, match="does not exist"):
        config.load(None, {"SKIFF_CONFIG": str(tmp_path / "none")})
    bad = tmp_path / "bad"
    bad.write_text("server: [\n")
    with pytest.raises(CliError, match="not valid YAML"):
        config.load(None, {"SKIFF_CONFIG": str(bad)})
