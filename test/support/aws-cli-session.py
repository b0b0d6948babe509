# The unmodified AWS CLI (awscli's own driver, what the `aws` script runs) for many commands in one interpreter, so a
# suite does not pay an interpreter start per call. Reads one JSON request a line on stdin, {"args": [...], "env":
# {...}}, runs `aws <args>` with a fresh driver and session under the process environment plus `env`, and writes
# {"code", "stdout", "stderr"} as one line on stdout.
import contextlib
import io
import json
import os
import sys

from awscli.clidriver import create_clidriver

answers = sys.stdout
for line in sys.stdin:
    request = json.loads(line)
    saved = dict(os.environ)
    os.environ.update(request.get("env", {}))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = create_clidriver().main(request["args"])
        except SystemExit as exit:
            # argparse refuses bad arguments by exiting (the CLI's status 252 for usage errors).
            code = exit.code if isinstance(exit.code, int) else 1
    os.environ.clear()
    os.environ.update(saved)
    answers.write(json.dumps({"code": code or 0, "stdout": out.getvalue(), "stderr": err.getvalue()}) + "\n")
    answers.flush()
