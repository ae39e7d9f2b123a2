import io

from rich.console import Console

from ceasefire_sim.sweep.progress import (
    BarProgress,
    LineProgress,
    QuietProgress,
    make_progress,
)
from ceasefire_sim.sweep.runner import run_sweep
from ceasefire_sim.sweep.spec import sweep_from_dict
from tests.conftest import ROOT
from tests.test_sweep_spec import tiny_spec


def test_quiet_and_non_terminal_choices():
    assert isinstance(make_progress(quiet=True), QuietProgress)
    stream = io.StringIO()
    progress = make_progress(stream=stream)
    assert isinstance(progress, LineProgress) and not isinstance(progress, BarProgress)


def test_lines_but_no_bar_when_not_a_terminal():
    stream = io.StringIO()
    run_sweep(sweep_from_dict(tiny_spec()), workers=1, progress=make_progress(stream=stream))
    text = stream.getvalue()
    assert "sweep 'tiny': 4 points x 8 worlds = 32 worlds over 40 days, in 2 chunks" in text
    assert "computing 2 of 2 chunks" in text
    assert "finished in" in text
    assert "ETA" not in text and "\x1b[" not in text


def test_quiet_sweep_says_nothing(capsys):
    run_sweep(sweep_from_dict(tiny_spec()), workers=1, progress=make_progress(quiet=True))
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_bar_with_eta_on_a_terminal():
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=120)
    progress = BarProgress(console)
    progress.log("starting")
    progress.start(total_worlds=300, done_worlds=100, total_chunks=3, done_chunks=1)
    progress.advance(100)
    progress.stop()
    text = stream.getvalue()
    assert "starting" in text
    assert "ETA" in text and "elapsed" in text
    assert "chunks 2/3" in text
    assert "67%" in text


def test_a_notebook_gets_the_bar(monkeypatch):
    import rich.console

    monkeypatch.setattr(rich.console, "_is_jupyter", lambda: True)
    assert isinstance(make_progress(stream=io.StringIO()), BarProgress)


def test_progress_true_reports_on_standard_error(capsys):
    run_sweep(sweep_from_dict(tiny_spec()), workers=1, progress=True)
    assert "sweep 'tiny'" in capsys.readouterr().err


# a fresh Jupyter kernel runs a tiny sweep (about 5 s)
def test_the_bar_is_drawn_as_a_widget_in_jupyter(tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    from tests.test_notebooks import kernel_name

    name = kernel_name.__wrapped__(tmp_path, monkeypatch)
    code = (
        "from ceasefire_sim.sweep.runner import run_sweep\n"
        "from ceasefire_sim.sweep.spec import sweep_from_dict\n"
        "from tests.test_sweep_spec import tiny_spec\n"
        "result = run_sweep(sweep_from_dict(tiny_spec()), workers=1, progress=True)"
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(
        notebook, kernel_name=name, timeout=300, resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    outputs = notebook.cells[0].outputs
    assert not [o for o in outputs if o.output_type == "error"]
    widgets = [
        o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert widgets, outputs
