"""The wheel: built from the tracked files, installed outside the clone, run by scenario name.

The fresh environments reuse the project environment's installed dependencies through a ``.pth``
file and get the wheel with ``--no-deps``, so nothing is downloaded. The package itself is
imported from the fresh environment only (the project's editable install is not on its path).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

BASELINE_NAME = "white_house_2025-03-13"
PIP = (sys.executable, "-m", "pip")
# prctl(2) and capabilities(7): drop a capability from the bounding set, so root's child
# obeys file permissions like any user.
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER = 1, 2, 3


def _tracked_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [f for f in out.split("\0") if f and (ROOT / f).exists()]


@pytest.fixture(scope="module")
def source_tree(tmp_path_factory) -> Path:
    """A copy of the clone's files (links copied as links), as a fresh clone has them."""
    source = tmp_path_factory.mktemp("source")
    for name in _tracked_files():
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_symlink():
            target.symlink_to(os.readlink(ROOT / name))
        else:
            shutil.copy2(ROOT / name, target)
    return source


@pytest.fixture(scope="module")
def wheel(source_tree, tmp_path_factory) -> Path:
    """The wheel built from the copy of the clone."""
    source = source_tree
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [*PIP, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    (found,) = out.glob("ceasefire_sim-*.whl")
    return found


def _fresh_env(root: Path, wheel: Path) -> Path:
    """A venv at ``root`` with the wheel installed; returns its ``bin`` folder."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "_project_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [*PIP, "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    return root / "bin"


def test_the_wheel_carries_the_library_the_seeds_and_the_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = [
        f
        for f in _tracked_files()
        if f.startswith(("scenarios/", "seeds/")) and f.endswith((".yaml", ".md", ".txt"))
    ]
    assert any(f.startswith("scenarios/sweeps/") for f in shipped)
    missing = [f for f in shipped if f"ceasefire_sim/{f}" not in names]
    assert missing == []
    data = [f for f in _tracked_files() if f.startswith("src/ceasefire_sim/data/")]
    assert [f for f in data if f.removeprefix("src/") not in names] == []
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert f"ceasefire_sim/scenarios/{BASELINE_NAME}.yaml" in names


def test_the_sdist_carries_the_library_as_files(source_tree, tmp_path):
    # a wheel built from the sdist (as pip does from an index) must find the same files
    source = source_tree
    code = f"from setuptools import build_meta; print(build_meta.build_sdist({str(tmp_path)!r}))"
    subprocess.run([sys.executable, "-c", code], cwd=source, check=True, capture_output=True)
    (sdist,) = tmp_path.glob("ceasefire_sim-*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = {m.name.split("/", 1)[1]: m for m in archive.getmembers() if "/" in m.name}
    baseline = members[f"src/ceasefire_sim/scenarios/{BASELINE_NAME}.yaml"]
    assert baseline.isfile() and baseline.size > 0
    assert members["src/ceasefire_sim/scenarios/sweeps/smoke.yaml"].isfile()
    assert members["src/ceasefire_sim/seeds/000_167f27ddf17ea457.txt"].isfile()


def test_the_installed_wheel_runs_the_baseline_by_name_from_any_folder(wheel, tmp_path):
    bin_dir = _fresh_env(tmp_path / "venv", wheel)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [bin_dir / "python", "-c", "import ceasefire_sim; print(ceasefire_sim.__file__)"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(tmp_path / "venv"))
    listed = subprocess.run(
        [bin_dir / "ceasefire-sim", "list"], cwd=elsewhere, capture_output=True, text=True
    )
    assert listed.returncode == 0, listed.stderr
    assert f"{BASELINE_NAME}.yaml" in listed.stdout
    run = subprocess.run(
        [bin_dir / "ceasefire-sim", "run", BASELINE_NAME, "-n", "200"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
    )
    assert run.returncode == 0, run.stderr
    assert "200 worlds" in run.stdout and "P(ceasefire by day 365)" in run.stdout
    assert list(elsewhere.iterdir()) == []  # a run without --out writes nothing


def _read_only(path: Path) -> None:
    for folder, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            p = Path(folder, name)
            if not p.is_symlink():
                p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _bound_by_permissions() -> None:  # pragma: no cover - runs in the child
    """Drop root's right to write through file permissions (Linux capabilities 1-3)."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER):
        libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)


def _can_write(folder: Path) -> bool:
    probe = subprocess.run(
        [sys.executable, "-c", f"open({str(folder / 'probe')!r}, 'w')"],
        capture_output=True,
        preexec_fn=_bound_by_permissions,
    )
    return probe.returncode == 0


def test_a_read_only_install_with_no_home_runs(wheel):
    base = Path(tempfile.mkdtemp(prefix="ceasefire-ro-"))
    try:
        bin_dir = _fresh_env(base / "venv", wheel)
        _read_only(base / "venv")
        if _can_write(base / "venv"):
            pytest.skip("this user writes through file permissions: no read-only install possible")
        tmp = base / "tmp"
        tmp.mkdir()
        # With HOME unset, numba's user cache comes from the password database, which for root
        # is writable: a read-only XDG_CACHE_HOME stands for the unwritable home (without the
        # fallback, numba fails here: "cannot cache function ... no locator available").
        user_cache = base / "user-cache"
        user_cache.mkdir(mode=0o555)
        env = {k: v for k, v in os.environ.items() if k != "HOME" and not k.startswith("NUMBA_")}
        env.update(TMPDIR=str(tmp), XDG_CACHE_HOME=str(user_cache), COLUMNS="120")
        run = subprocess.run(
            [bin_dir / "ceasefire-sim", "run", BASELINE_NAME, "-n", "50"],
            cwd=base / "venv",  # read-only too
            capture_output=True,
            text=True,
            env=env,
            preexec_fn=_bound_by_permissions,
        )
        assert run.returncode == 0, run.stderr
        assert "50 worlds" in run.stdout
        site = base / "venv" / "lib"
        assert not list(site.rglob("*.nbi"))  # nothing cached inside the install
        assert list(tmp.rglob("*.nbi"))  # ... but in the temporary folder
    finally:
        for folder, dirs, _ in os.walk(base):
            for name in dirs:
                Path(folder, name).chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


def test_with_no_writable_folder_the_kernels_run_uncached(tmp_path):
    # in a child: the package folder and every fallback unwritable -> caching is switched off
    code = f"""
import sys
from pathlib import Path
from ceasefire_sim import _numba_cache
_numba_cache._package_writable = lambda: False
_numba_cache.candidate_dirs = lambda: [Path("/proc/ceasefire-sim-no-such-folder")]
assert _numba_cache.configure() == "uncached"
sys.path.insert(0, {str(tmp_path)!r})
Path({str(tmp_path / "kernel.py")!r}).write_text(
    "import numba\\n@numba.njit(cache=True)\\ndef twice(x):\\n    return 2 * x\\n"
)
import kernel
assert kernel.twice(21) == 42
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert not list(tmp_path.rglob("*.nbi"))  # compiled, not cached


def test_a_writable_fallback_is_chosen_when_the_package_is_read_only(tmp_path, monkeypatch):
    from ceasefire_sim import _numba_cache

    monkeypatch.setattr(_numba_cache, "_package_writable", lambda: False)
    monkeypatch.setenv("NUMBA_CACHE_DIR", "")  # restored (to unset) afterwards
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    import numba.core.config

    monkeypatch.setattr(numba.core.config, "CACHE_DIR", numba.core.config.CACHE_DIR)
    chosen = _numba_cache.configure()
    assert chosen == str(tmp_path / ".cache" / "ceasefire-sim" / "numba")
    assert os.environ["NUMBA_CACHE_DIR"] == chosen
    cache_dir = numba.core.config.CACHE_DIR
    assert cache_dir == chosen


def test_nothing_in_the_project_refers_to_files_outside_it():
    pattern = ("../shared", "shared/", "FACTS.md", "HISTORY.md")
    places = [ROOT / "README.md", *(ROOT / d for d in ("src", "docs", "scenarios", "seeds"))]
    found = []
    for place in places:
        files = [place] if place.is_file() else sorted(p for p in place.rglob("*") if p.is_file())
        for path in files:
            if path.suffix in (".png", ".pyc", ".parquet"):
                continue
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                if any(p in line for p in pattern):
                    found.append(f"{path.relative_to(ROOT)}:{number}")
    assert found == []


def test_sources_page_keeps_post_start_figures_apart():
    text = (ROOT / "docs" / "sources.md").read_text()
    calibration, _, after = text.partition("## After the start date: never used for calibration")
    assert after, "the post-start part is missing"
    for date in ("13 Mar 2025", "18 Mar 2025", "Jun 2025", "17 Mar 2025"):
        assert date in after
        assert f"| {date} |" not in calibration


def test_the_version_has_one_source():
    import tomllib

    import yaml

    from ceasefire_sim._version import __version__

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert tool["dynamic"]["version"] == {"attr": "ceasefire_sim._version.__version__"}
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert str(citation["version"]) == __version__
    assert citation["license"] == project["license"] == "MIT"
    assert f"## [{__version__}]" in (ROOT / "CHANGELOG.md").read_text()
    assert "The ceasefire-sim authors" in (ROOT / "LICENSE").read_text()


def test_the_installed_metadata_has_the_version(wheel):
    from ceasefire_sim._version import __version__

    assert wheel.name.startswith(f"ceasefire_sim-{__version__}-")
