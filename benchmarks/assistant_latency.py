"""Assistant speed, printed as JSON on stdout: from a customer's message to the assistant's
reply, in-process, for classified messages that need no live data (FAQ-free informational
answers, small talk, clarifying questions).

Each message is one ``post_message`` call in its own transaction (the message kept, understood,
answered, committed), as a request would run it, on SQLite in a temporary HOME (or on
PostgreSQL with ``--postgres``, given ``CONTACTLESS_BENCH_PG``, default local ``postgres``).
The model is trained before timing starts (as the server does at start-up).

    .venv/bin/python benchmarks/assistant_latency.py [--messages 400] [--postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

import contactless.app  # noqa: F401  (every domain's tables)
from contactless.assistant import service as assistant
from contactless.assistant.nlu.store import shipped_model
from contactless.platform.db import Base
from contactless.platform.kernel import build_kernel
from contactless.platform.store import MemoryStore
from contactless.settings import Mode, Settings

MESSAGES = ["转账怎么收费", "你们几点开门", "信用卡账单怎么分期", "美元汇率多少", "谢谢", "你好",
            "新卡怎么激活", "how do I reset my password", "what are your fees", "外币怎么换",
            "贷款怎么申请", "理财产品有哪些", "手机银行登录不了", "代发工资怎么办",
            "qzx vbn", "定期利率是多少"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    database_url, admin, name = None, None, None
    if args.postgres:
        admin = os.environ.get("CONTACTLESS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
        name = f"contactless_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        database_url = f"{admin.rsplit('/', 1)[0]}/{name}".replace("postgresql://",
                                                                  "postgresql+psycopg://")
    settings = Settings(mode=Mode.TEST, home=home, database_url=database_url,
                        secret_key="bench-secret-0123456789abcdef0123456789ab",  # type: ignore[arg-type]  # noqa: S106
                        data_key="bench-data-0123456789abcdef0123456789abcd")  # type: ignore[arg-type]
    kernel = build_kernel(settings, store=MemoryStore())
    Base.metadata.create_all(kernel.db.engine)
    assistant.install(kernel)
    started = time.perf_counter()
    shipped_model()
    train_seconds = time.perf_counter() - started
    timings: list[float] = []
    conversation = None
    try:
        for index in range(args.messages):
            text = MESSAGES[index % len(MESSAGES)]
            began = time.perf_counter()
            with kernel.db.session() as session:
                result = assistant.post_message(session, None, text=text,
                                                conversation_id=conversation,
                                                visitor_conversation=conversation)
            timings.append((time.perf_counter() - began) * 1000)
            conversation = result.conversation.id
            if result.conversation.status != "assistant" or index % 40 == 39:
                conversation = None  # a fresh conversation after a handoff, and now and then
    finally:
        kernel.db.dispose()
        if admin and name:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps({
        "database": "postgresql" if args.postgres else "sqlite",
        "messages": len(timings),
        "message_to_reply_p50_ms": round(percentile(timings, 0.50), 2),
        "message_to_reply_p99_ms": round(percentile(timings, 0.99), 2),
        "message_to_reply_max_ms": round(max(timings), 2),
        "model_train_seconds": round(train_seconds, 2),
    }))


if __name__ == "__main__":
    main()
