"""Record pabutools' MES add1 + greedy outcome on one real file, without a time limit.

    nice -n 10 .venv/bin/python bench/record_pabutools.py Hungary_Budapest_2024.pb budapest_2024

Writes tests/rules/references/<stem>_mes_add1_greedy.json (read by
tests/rules/test_supplementary_references.py and by bench/tally.py). Meant to run once, in the
background: pabutools takes many minutes on the files that need it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pabutools.election import Cost_Sat, parse_pabulib  # noqa: E402
from pabutools.rules import (  # noqa: E402
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)

PABULIB = Path("/work/shared/pabulib")
REFERENCES = ROOT / "tests" / "rules" / "references"


def main(name: str, stem: str) -> None:
    instance, profile = parse_pabulib(str(PABULIB / name))
    multi = profile.as_multiprofile()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    t0 = time.perf_counter()
    result = completion_by_rule_combination(
        instance,
        multi,
        [method_of_equal_shares, greedy_utilitarian_welfare],
        [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}],
    )
    wall = time.perf_counter() - t0
    record = {
        "file": name,
        "call": (
            "completion_by_rule_combination(instance, profile.as_multiprofile(), "
            "[method_of_equal_shares, greedy_utilitarian_welfare], "
            "[{'sat_class': Cost_Sat, 'voter_budget_increment': 1}, {'sat_class': Cost_Sat}])"
        ),
        "pabutools_version": "1.2.3",
        "why": (
            "expected_outcomes.json has no reference here: pabutools timed out at 600 s. Recorded from "
            f"{started} on a 2-CPU machine shared with other work (nice 10), with no time limit."
        ),
        "wall_s": round(wall, 1),
        "selected": sorted(p.name for p in result),
    }
    out = REFERENCES / f"{stem}_mes_add1_greedy.json"
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"{name}: {wall:.1f} s, {len(record['selected'])} projects -> {out}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
