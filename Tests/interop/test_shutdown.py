"""A second node on the same database and keys, stopped with SIGTERM: it finishes the request in flight, refuses
new connections, writes the app login records still waiting in its batch, and exits 0."""
import os
import signal
import socket
import subprocess
import time

import requests

from conftest import ISSUER, RP, Browser, authorization_params, callback_params, database, sign_in_and_get_code

WORK = os.environ["INTEROP_WORK"]
PORT = int(os.environ["EDU_SSO_PORT"]) + 11
SECOND = f"http://127.0.0.1:{PORT}"
ACCOUNT = ("interop.shutdown", "Passw0rd1234")


def start_second_node():
    environment = dict(os.environ, EDU_SSO_PORT=str(PORT), EDU_SSO_ADMIN_PORT=str(PORT + 1),
                       # A long batch window: the record is still waiting when SIGTERM arrives.
                       EDU_SSO_RECORD_BATCH_MS="60000")
    log = open(os.path.join(WORK, "second-node.log"), "w")
    node = subprocess.Popen([os.environ["INTEROP_BIN"], "serve"], env=environment, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(100):
        try:
            if requests.get(SECOND + "/readyz", timeout=1).status_code == 200:
                return node
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    node.kill()
    raise AssertionError(open(os.path.join(WORK, "second-node.log")).read()[-2000:])


def app_sign_ins():
    return int(database(
        "SELECT COUNT(*) FROM app_sign_ins s JOIN accounts a ON a.id = s.account_id "
        "WHERE a.username = 'interop.shutdown'")[0][0])


def test_sigterm_drains_flushes_and_exits_zero():
    browser = Browser()
    sign_in_and_get_code(browser, authorization_params()[0], account=ACCOUNT)
    # The first node writes this sign-in's record within its batch window (1 s); wait for it, so that what the
    # second node adds is told apart.
    deadline = time.time() + 15
    while app_sign_ins() < 1 and time.time() < deadline:
        time.sleep(0.2)
    assert app_sign_ins() == 1
    node = start_second_node()
    try:
        before = app_sign_ins()
        # The browser session made on the first node signs the student in silently on the second.
        params, _ = authorization_params(prompt="none")
        query, _ = callback_params(browser.http.get(SECOND + "/oidc/v1/azp", params=params, allow_redirects=False, timeout=10))
        assert "code" in query, query
        assert app_sign_ins() == before, "the record should still wait in the second node's batch"

        # A request in flight: its head is sent, its body not yet.
        body = f"grant_type=client_credentials&client_id={RP['client_id']}&client_secret=wrong-secret".encode()
        connection = socket.create_connection(("127.0.0.1", PORT), timeout=10)
        connection.sendall(b"POST /oidc/v1/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           b"Content-Type: application/x-www-form-urlencoded\r\n"
                           + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:10])
        time.sleep(0.3)
        node.send_signal(signal.SIGTERM)
        # Draining: new connections are refused (soon after the signal), while the node waits for the request.
        deadline = time.time() + 10
        refused = False
        while time.time() < deadline and not refused:
            assert node.poll() is None, "the node quit with a request in flight"
            try:
                socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
                time.sleep(0.1)
            except OSError:
                refused = True
        assert refused, "a draining node must not accept new connections"
        assert node.poll() is None, "the node quit with a request in flight"
        connection.sendall(body[10:])
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
        connection.close()
        assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
        assert b'"error":"invalid_client"' in answer

        assert node.wait(timeout=20) == 0
        assert app_sign_ins() == before + 1, "the waiting app login record was lost at shutdown"
    finally:
        if node.poll() is None:
            node.kill()
    # The first node is untouched.
    assert requests.get(ISSUER + "/readyz", timeout=10).status_code == 200
