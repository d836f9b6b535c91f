"""A flow run that fails, as a user starts it: Prefect's run log, our one line, and no traceback."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.smtp import free_port


def test_a_failed_flow_run_prints_no_traceback(prefect_harness):
    from prefect.settings import PREFECT_API_URL

    url = f"postgresql+psycopg://postgres:s3cret@127.0.0.1:{free_port()}/test"  # nothing listens there
    env = os.environ | {"PREFECT_API_URL": PREFECT_API_URL.value(), "OBLIGATIONS_DATABASE_URL": url}
    command = [sys.executable, "-m", "obligations.cli", "sweep", "--as-of", "2017-11-30T08:00+07:00"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 3, output
    assert "Traceback" not in output and "s3cret" not in output
    assert output.count("Lỗi:") == 1 and "không dùng được cơ sở dữ liệu" in output

    debug = subprocess.run([*command[:3], "--debug", *command[3:]], env=env, capture_output=True, text=True,
                           timeout=120)
    assert debug.returncode != 0 and "Traceback" in debug.stdout + debug.stderr
