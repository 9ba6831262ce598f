"""What keeps `skiff get` quick to start: the kubeconfig parsed once per change of the file (kept as JSON
in a private cache), argparse never importing shutil for the terminal's width, and the verb's import path
free of the YAML parser and the manifest converter that a table does not need."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from api import kubeconfig, pki
from cli import config, config_cache
from cli.errors import CliError
from cli.parser import terminal_width


@pytest.fixture(scope="module")
def ca_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    pki.write_pki(d, [])
    return d / "ca.crt"


@pytest.fixture
def write_token_config(ca_file):
    def write(path, server="h:1", token="s3cret"):
        kubeconfig.write(path, kubeconfig.render(server, str(ca_file), token=token))
        aged = time.time() - 10  # older than a clock tick: cacheable (see the racy-file test)
        os.utime(path, (aged, aged))
    return write


def test_a_parsed_kubeconfig_is_cached_privately_and_reread_when_the_file_changes(tmp_path, write_token_config):
    path, cache = tmp_path / "cfg", tmp_path / "cache"
    write_token_config(path)
    first = config_cache.read(path, cache)
    assert first == kubeconfig.read(path)
    [entry] = list(cache.iterdir())
    assert oct(cache.stat().st_mode & 0o777) == "0o700" and oct(entry.stat().st_mode & 0o777) == "0o600"
    assert json.loads(entry.read_text())["data"] == first
    assert config_cache.read(path, cache) == first  # from the entry
    write_token_config(path, server="other:2")
    assert config_cache.read(path, cache)["clusters"][0]["cluster"]["server"] == "https://other:2"


def test_a_damaged_cache_entry_or_an_unwritable_cache_falls_back_to_the_file(tmp_path, write_token_config):
    path, cache = tmp_path / "cfg", tmp_path / "cache"
    write_token_config(path)
    config_cache.read(path, cache)
    [entry] = list(cache.iterdir())
    entry.write_text("{not json")
    assert config_cache.read(path, cache) == kubeconfig.read(path)
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    assert config_cache.read(path, blocked / "kubeconfig") == kubeconfig.read(path)
    assert not list(tmp_path.glob("**/*.tmp"))


def test_the_cli_config_uses_the_cache_and_still_reports_a_missing_or_bad_file(tmp_path, write_token_config):
    path, cache = tmp_path / "cfg", tmp_path / "cache"
    write_token_config(path)
    env = {"SKIFF_CONFIG": str(path), config_cache.CACHE_DIR_ENV: str(cache)}
    assert config.load(None, env).credentials.token == "s3cret"
    assert len(list((cache / "kubeconfig").iterdir())) == 1
    bad = tmp_path / "bad"
    bad.write_text("server: [\n")
    with pytest.raises(CliError, match="not valid YAML"):
        config.load(None, {"SKIFF_CONFIG": str(bad), config_cache.CACHE_DIR_ENV: str(cache)})
    with pytest.raises(CliError, match="does not exist"):
        config.load(None, {"SKIFF_CONFIG": str(tmp_path / "none"), config_cache.CACHE_DIR_ENV: str(cache)})


def test_a_file_written_just_now_is_not_cached_since_a_second_write_in_the_same_tick_would_hide(
        tmp_path, ca_file):
    path, cache = tmp_path / "cfg", tmp_path / "cache"
    kubeconfig.write(path, kubeconfig.render("h:1", str(ca_file), token="aaaa"))
    config_cache.read(path, cache)
    assert not cache.exists()
    before = path.stat().st_mtime_ns
    kubeconfig.write(path, kubeconfig.render("h:1", str(ca_file), token="bbbb"))  # same size
    os.utime(path, ns=(before, before))  # and, as within one tick, the same modification time
    assert config_cache.read(path, cache)["users"][0]["user"]["token"] == "bbbb"


@pytest.mark.parametrize("columns", ["100", "", "0", "x"])
def test_terminal_width_is_what_argparse_would_ask_shutil_for(monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", columns)
    assert terminal_width() == shutil.get_terminal_size().columns - 2


def test_the_get_verb_imports_neither_yaml_nor_shutil_nor_the_manifest_converter():
    probe = ("import sys\n"
             "from cli.main import build_parser\n"
             "build_parser('get').parse_args(['get', 'pods'])\n"
             "import cli.config, cli.context, api.client\n"
             "print(sorted(m for m in ('yaml', 'shutil', 'api.manifest') if m in sys.modules))\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
