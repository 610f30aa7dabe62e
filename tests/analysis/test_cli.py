"""`commonweal analyse <folder>` on a real Pol.is conversation."""

from __future__ import annotations

import json
import subprocess
import sys

from commonweal.analysis.cli import run_analyse


def test_analyse_prints_groups_common_ground_and_divisive_statements(shared_data, capsys, tmp_path):
    folder = shared_data / "polis-opendata" / "15-per-hour-seattle"
    out_json = tmp_path / "result.json"
    assert run_analyse(str(folder), json_path=str(out_json)) == 0
    printed = capsys.readouterr().out
    for heading in ("Opinion groups:", "Group A:", "Common ground", "Divisive statements", "bridging"):
        assert heading in printed
    result = json.loads(out_json.read_text())
    assert result["k"] >= 2
    assert sum(result["group_sizes"]) == len(result["in_conv"])


def test_analyse_refuses_a_folder_that_is_not_an_export(tmp_path, capsys):
    (tmp_path / "comments.csv").write_text("not,a,polis,header\n1,2,3,4\n")
    assert run_analyse(str(tmp_path)) == 2
    err = capsys.readouterr().err
    assert "comments.csv" in err


def test_analyse_json_to_stdout_is_the_whole_result(shared_data):
    folder = shared_data / "polis-opendata" / "15-per-hour-seattle"
    proc = subprocess.run(
        [sys.executable, "-m", "commonweal.cli", "analyse", str(folder), "--json", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(proc.stdout)
    assert {"pca_components", "repness", "common_ground", "bridging", "priorities"} <= set(result)
