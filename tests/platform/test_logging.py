import json

import pytest
import structlog

from contactless.platform.context import request_id_var
from contactless.platform.logging import configure_logging


def test_log_lines_are_json_with_request_id_and_masked_pii(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(json_lines=True)
    token = request_id_var.set("req42abcdef")
    try:
        structlog.get_logger("t").info("otp_sent", to="13812345678",
                                       note="id 110101198506120011 checked")
    finally:
        request_id_var.reset(token)
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["request_id"] == "req42abcdef"
    assert line["to"] == "138****5678"
    assert "110101198506120011" not in line["note"]
    configure_logging(json_lines=False)
