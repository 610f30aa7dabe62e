"""`commonweal analyse <folder>` on a real Pol.is conversation."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd

from commonweal.analysis import AnalysisOptions, analyse
from commonweal.analysis.cli import run_analyse, summarise
from commonweal.analysis.polis_io import PolisComment, PolisExport
from commonweal.analysis.simulate import simulate_conversation


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


def test_summary_lists_common_ground_with_its_agree_interval():
    """A conversation with planted common ground: each statement listed comes with its 90% interval."""
    sim = simulate_conversation(300, 30, n_common_ground=4, n_sectors=2, random_state=3)
    votes = sim.to_dataframe()
    export = PolisExport(
        comments=[
            PolisComment(j, f"statement {j}", author_id=0, moderation="accepted", timestamp=1)
            for j in range(sim.n_statements)
        ],
        votes=pd.DataFrame(
            {
                "timestamp": pd.array(votes["time"], dtype="Int64"),
                "datetime": [None] * len(votes),
                "statement": votes["statement"],
                "participant": votes["participant"],
                "vote": votes["vote"],
            }
        ),
    )
    result = analyse(export.to_vote_matrix(), options=AnalysisOptions(stability_resamples=3), random_state=0)
    assert result.common_ground is not None and len(result.common_ground.statements) > 0
    out = io.StringIO()
    summarise(result, export, out=out)
    section = out.getvalue().split("Common ground")[1].split("Divisive statements")[0]
    listed = re.findall(r"GIC [0-9.]+ \(agree share 90% interval (\d+)%-(\d+)%\): \[(\d+)\]", section)
    assert listed, section
    planted = set(np.flatnonzero(sim.is_common_ground).tolist())
    for low, high, statement in listed:
        assert int(low) <= int(high)
        assert int(statement) in planted
