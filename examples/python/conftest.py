"""A pytest fixture that starts kubemock on a free port for the test session.

`npm i -D kubemock` puts the command in node_modules/.bin; the fixture runs it
from there (npx would leave the server running when stopped) with
`--port 0 --kubeconfig FILE` and waits for the line that says it listens (the
kubeconfig is written by then).
"""

import os
import re
import subprocess
import tempfile

import pytest
from kubernetes import client, config


@pytest.fixture(scope="session")
def kubemock_kubeconfig():
    folder = tempfile.mkdtemp(prefix="kubemock-")
    path = os.path.join(folder, "kubeconfig")
    here = os.path.dirname(__file__)
    server = subprocess.Popen(
        [os.path.join(here, "node_modules", ".bin", "kubemock"), "--port", "0", "--kubeconfig", path],
        cwd=here,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline()
        if not re.match(r"kubemock listening on https://", line):
            raise RuntimeError(f"kubemock did not start: {line!r}")
        yield path
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def core_v1(kubemock_kubeconfig):
    api = config.new_client_from_config(config_file=kubemock_kubeconfig)
    yield client.CoreV1Api(api)
    api.close()
