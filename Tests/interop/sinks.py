"""Real message servers on loopback for the test suites, and helpers to read what they received.

Run as a program (by run.sh), it starts
- an SMTP server (aiosmtpd) that requires STARTTLS and AUTH, with a certificate made here for "localhost", and
- an HTTP sink standing in for the SMS gateway, which requires a bearer token,
and writes what they receive as JSON files under SINKS/mail and SINKS/sms. While the file SINKS/smtp-down
(SINKS/sms-down) exists, the server answers every message with a temporary failure: an outage.
"""
import datetime
import email
import email.policy
import json
from urllib.parse import parse_qs
import os
import re
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SMTP_USER = "edusso"
SMTP_PASSWORD = "sink-smtp-password-0123"
SMS_TOKEN = "sink-sms-token-0123456789"


def sinks_dir():
    return os.path.join(os.environ["INTEROP_WORK"], "sinks")


def _write(kind, record):
    folder = os.path.join(sinks_dir(), kind)
    os.makedirs(folder, exist_ok=True)
    name = f"{time.time():.6f}-{os.getpid()}-{threading.get_ident()}.json"
    with open(os.path.join(folder, name + ".tmp"), "w", encoding="utf-8") as out:
        json.dump(record, out, ensure_ascii=False)
    os.rename(os.path.join(folder, name + ".tmp"), os.path.join(folder, name))


def messages(kind):
    """Every message the sink `kind` ("mail" or "sms") received, oldest first."""
    folder = os.path.join(sinks_dir(), kind)
    if not os.path.isdir(folder):
        return []
    return [json.load(open(os.path.join(folder, name), encoding="utf-8"))
            for name in sorted(os.listdir(folder)) if name.endswith(".json")]


def wait_for_message(kind, to, since=0, timeout=20):
    """The newest message to `to` received after `since` (a time.time()), waiting for delivery."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = [m for m in messages(kind) if m["to"] == to and m["received"] > since]
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError(f"no {kind} message to {to} within {timeout} s")


def wait_for_code(kind, to, since=0, timeout=20):
    return re.search(r"\b(\d{6})\b", wait_for_message(kind, to, since, timeout)["body"]).group(1)


def set_down(kind, down):
    path = os.path.join(sinks_dir(), f"{kind}-down")
    if down:
        open(path, "w").close()
    elif os.path.exists(path):
        os.remove(path)


def _certificate(folder):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = os.path.join(folder, "smtp-cert.pem"), os.path.join(folder, "smtp-key.pem")
    open(cert_path, "wb").write(cert.public_bytes(serialization.Encoding.PEM))
    open(key_path, "wb").write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    return cert_path, key_path


def serve():
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    folder = sinks_dir()
    os.makedirs(folder, exist_ok=True)
    cert_path, key_path = _certificate(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)

    class MailHandler:
        async def handle_DATA(self, server, session, envelope):
            if os.path.exists(os.path.join(folder, "smtp-down")):
                return "451 4.3.0 Temporary outage, try again later"
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            for recipient in envelope.rcpt_tos:
                _write("mail", {
                    "to": recipient, "from": envelope.mail_from, "subject": str(message["subject"]),
                    "from_header": str(message["from"]), "body": message.get_content(),
                    "tls": session.ssl is not None, "authenticated": bool(session.authenticated),
                    "eight_bit": "BODY=8BITMIME" in [o.upper() for o in envelope.mail_options],
                    "received": time.time()})
            return "250 2.0.0 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == SMTP_USER.encode() \
            and auth_data.password == SMTP_PASSWORD.encode()
        return AuthResult(success=ok)

    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    smtp = Controller(MailHandler(), hostname="127.0.0.1", port=smtp_port, tls_context=context, require_starttls=True,
                      authenticator=authenticator, auth_required=True, auth_require_tls=True,
                      server_hostname="localhost")
    smtp.start()

    class SMSHandler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if self.path.startswith("/backchannel/"):
                # An app's back-channel logout endpoint (OIDC Back-Channel Logout 1.0): a form with logout_token.
                if os.path.exists(os.path.join(folder, "backchannel-down")):
                    _write("backchannel-refused", {"to": self.path, "received": time.time()})
                    self.send_response(503)
                else:
                    fields = parse_qs(body.decode())
                    _write("backchannel", {"to": self.path, "content_type": self.headers.get("Content-Type"),
                                           "body": fields["logout_token"][0], "received": time.time()})
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.headers.get("Authorization") != f"Bearer {SMS_TOKEN}":
                self.send_response(401)
            elif os.path.exists(os.path.join(folder, "sms-down")):
                self.send_response(503)
            else:
                fields = json.loads(body)
                _write("sms", {"to": fields["to"], "body": fields["text"], "received": time.time()})
                self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), SMSHandler)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    ready = {"smtp_port": smtp_port, "sms_url": f"http://127.0.0.1:{http.server_address[1]}/send", "ca_file": cert_path}
    with open(os.path.join(folder, "ready.json.tmp"), "w") as out:
        json.dump(ready, out)
    os.rename(os.path.join(folder, "ready.json.tmp"), os.path.join(folder, "ready.json"))
    try:
        while True:
            time.sleep(3600)
    finally:
        smtp.stop()


if __name__ == "__main__":
    sys.exit(serve())
