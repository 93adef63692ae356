"""Replaying the fraud-detection handbook's transactions through the online features gives the
handbook's own engineered features (same definitions, same 7-day label delay) within 1e-6.

The data is public evaluation data kept outside the repository (../shared/data/fraud-handbook);
where it is not there, the test is skipped and says so."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from contactless.risk.evaluation import feature_table, read_transactions, replay_history

HANDBOOK = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "fraud-handbook"
OFFLINE = HANDBOOK / "features-2018-07-25_2018-08-07.parquet"
SAME = {  # handbook column -> ours
    "TX_DURING_WEEKEND": "weekend", "TX_DURING_NIGHT": "night",
    **{f"CUSTOMER_ID_NB_TX_{d}DAY_WINDOW": f"card_count_{d}d" for d in (1, 7, 30)},
    **{f"CUSTOMER_ID_AVG_AMOUNT_{d}DAY_WINDOW": f"card_mean_amount_{d}d" for d in (1, 7, 30)},
    **{f"TERMINAL_ID_NB_TX_{d}DAY_WINDOW": f"terminal_count_{d}d" for d in (1, 7, 30)},
    **{f"TERMINAL_ID_RISK_{d}DAY_WINDOW": f"terminal_fraud_rate_{d}d" for d in (1, 7, 30)},
}


@pytest.mark.skipif(not OFFLINE.exists(),
                    reason=f"the handbook's data is not at {HANDBOOK} (public data kept outside "
                           "the repository): parity with its features not checked")
def test_online_features_reproduce_the_handbook_features() -> None:
    table = read_transactions(HANDBOOK)
    # 30-day windows with a 7-day delay need 37 days of history before the first day compared
    moments = table.column("TX_DATETIME")
    start = pa.scalar(datetime(2018, 6, 15), type=moments.type)
    end = pa.scalar(datetime(2018, 8, 8), type=moments.type)
    table = table.filter(pc.and_(pc.greater_equal(moments, start), pc.less(moments, end)))
    history = replay_history(table, label_delay_days=7)
    offline = pq.read_table(OFFLINE)
    ours = dict(zip(history.transaction_id.tolist(), range(len(history.transaction_id)),
                    strict=True))
    rows = np.array([ours[i] for i in offline.column("TRANSACTION_ID").to_pylist()])
    columns = feature_table(history, list(SAME.values()))
    for theirs, name in SAME.items():
        expected = offline.column(theirs).to_numpy().astype(float)
        difference = np.abs(columns[name][rows] - expected)
        assert difference.max() <= 1e-6, (theirs, float(difference.max()))
