"""Files and folders that appear whole or not at all (cxsim.atomic), and an inline run that Ctrl-C stops."""

from __future__ import annotations

import os
import signal

import pytest

from cxsim.atomic import replacing, signals_held, staged_folder, writable_folder_problem, write_text
from cxsim.executors import InlineExecutor


def test_a_file_written_then_failing_leaves_the_old_one_and_no_temporary(tmp_path):
    path = tmp_path / "chart.png"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError), replacing(path) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".png"  # savefig reads the format from it
        tmp.write_bytes(b"half a PN")
        raise RuntimeError("crash while drawing")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]
    write_text(path, "new")
    assert path.read_text() == "new" and len(list(tmp_path.iterdir())) == 1


def test_a_staged_folder_appears_complete_or_not_at_all(tmp_path):
    final = tmp_path / "results" / "deep" / "run"
    with pytest.raises(KeyboardInterrupt), staged_folder(final) as partial:
        (partial / "summary.json").write_text("{}")
        raise KeyboardInterrupt
    assert not (tmp_path / "results").exists()  # nor the parents it made
    with staged_folder(final) as partial:
        assert partial.name.endswith(".partial") and not final.exists()
        (partial / "summary.json").write_text("{}")
    assert [p.name for p in final.iterdir()] == ["summary.json"]
    assert [p.name for p in final.parent.iterdir()] == ["run"]


def test_into_an_existing_folder_only_named_files_are_replaced_or_removed(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "old_chart.png").write_text("stale")
    (tmp_path / "report.html").write_text("old")
    with pytest.raises(RuntimeError), staged_folder(tmp_path, replaces=["old_chart.png"]) as partial:
        (partial / "report.html").write_text("new")
        raise RuntimeError
    assert (tmp_path / "report.html").read_text() == "old" and (tmp_path / "old_chart.png").exists()
    with staged_folder(tmp_path, replaces=["old_chart.png", "report.html"]) as partial:
        (partial / "report.html").write_text("new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "report.html"]
    assert (tmp_path / "report.html").read_text() == "new"


def test_a_partial_folder_of_a_dead_process_is_cleared(tmp_path):
    stale = tmp_path / "run.999999999.partial"  # no such process
    stale.mkdir()
    (stale / "summary.json").write_text("{}")
    with staged_folder(tmp_path / "run") as partial:
        (partial / "a").write_text("")
    assert not stale.exists()


def test_signals_are_held_while_a_folder_is_put_in_place():
    with pytest.raises(KeyboardInterrupt):
        with signals_held():
            os.kill(os.getpid(), signal.SIGINT)
            done = True  # reached: the signal waits for the block to end
        pytest.fail("the held Ctrl-C was lost")
    assert done


def test_writable_folder_problem(tmp_path):
    (tmp_path / "file").write_text("")
    assert writable_folder_problem(tmp_path / "new" / "folder") is None
    assert "exists and is not a folder" in writable_folder_problem(tmp_path / "file")
    assert "is not a folder" in writable_folder_problem(tmp_path / "file" / "sub")
    assert list(tmp_path.iterdir()) == [tmp_path / "file"]  # the probe left nothing


def test_inline_executor_lets_ctrl_c_through_and_keeps_errors_in_the_future():
    def interrupted():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        InlineExecutor().submit(interrupted)
    future = InlineExecutor().submit(lambda: 1 / 0)
    assert isinstance(future.exception(), ZeroDivisionError)


def test_files_written_in_place_get_the_permissions_of_any_new_file(tmp_path):
    """The umask's (0644 under 022), as the CSVs had: the charts, written through a temporary file, were
    0600 and unreadable to others sharing the results folder."""
    old = os.umask(0o022)
    try:
        with replacing(tmp_path / "chart.png") as tmp:
            tmp.write_bytes(b"png")
        write_text(tmp_path / "report.html", "<html>")
    finally:
        os.umask(old)
    for name in ("chart.png", "report.html"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o644, name
