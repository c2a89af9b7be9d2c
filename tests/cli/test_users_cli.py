"""`cxloop users`: add (password asked for, hidden), list, passwd, disable, enable; readable refusals."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def test_users_add_list_passwd_disable(tmp_path: Path) -> None:
    data = str(tmp_path)
    added = runner.invoke(
        app,
        ["users", "add", "Mei.Lin", "--role", "qa", "--name", "林梅", "--data-dir", data],
        input="mei-lin-pass-1\nmei-lin-pass-1\n",
    )
    assert added.exit_code == 0, added.output
    assert "added mei.lin (qa, zh)" in added.output and "mei-lin-pass-1" not in added.output.split("\n")[-2]
    listed = runner.invoke(app, ["users", "list", "--data-dir", data])
    assert "mei.lin" in listed.output and "林梅" in listed.output and "active" in listed.output
    again = runner.invoke(app, ["users", "add", "mei.lin", "--role", "qa", "--password", "x" * 12, "--data-dir", data])
    assert again.exit_code != 0 and "exists already" in again.output
    short = runner.invoke(app, ["users", "add", "li", "--role", "agent", "--password", "short", "--data-dir", data])
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    assert (
        runner.invoke(app, ["users", "passwd", "mei.lin", "--password", "new-pass-2026", "--data-dir", data]).exit_code
        == 0
    )
    assert runner.invoke(app, ["users", "disable", "mei.lin", "--data-dir", data]).exit_code == 0
    assert "disabled" in runner.invoke(app, ["users", "list", "--data-dir", data]).output
    assert runner.invoke(app, ["users", "enable", "mei.lin", "--data-dir", data]).exit_code == 0
    missing = runner.invoke(app, ["users", "disable", "nobody", "--data-dir", data])
    assert missing.exit_code != 0 and "no user 'nobody'" in missing.output
