#!/usr/bin/python3
"""A real SMTP server for boka's mail tests (tests/unit/delivery_mail_test.cpp).

Runs aiosmtpd (Debian's python3-aiosmtpd; start it with /usr/bin/python3, which has it) on
127.0.0.1 and a free port, prints "READY <port>" once it accepts connections, and serves
until its standard input closes (so it never outlives the test that started it).

Each accepted message is written to DIR as msg-<n>.eml (the DATA as received, CRLF line
ends) and msg-<n>.json: the envelope, the session (TLS, authenticated user) and the message
as Python's `email` package parses it (decoded headers, every part with its decoded
content, any parse defects), so the C++ test checks boka's MIME against an independent
parser. The .json is renamed into place last: once it exists, both files are complete.

Recipients starting with "reject-permanent" get 550, "reject-transient" 451.

Options:
  --auth            accept AUTH (PLAIN, LOGIN) for user "boka", password "s3cret-pass" only,
                    and require it before MAIL (aiosmtpd requires TLS for AUTH)
  --starttls C K    offer STARTTLS with certificate C and key K, and require it
  --implicit C K    TLS from the first byte (smtps) with certificate C and key K
  --verbose         let aiosmtpd log to stderr
  --port N          listen on port N (a sink restarted where the last one was)

A sink started on a directory that already holds messages numbers on after them.
"""
import argparse
import base64
import email
import email.policy
import json
import logging
import os
import socket
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = b"boka"
PASSWORD = b"s3cret-pass"


def summarize(raw: bytes) -> dict:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    headers = [[name, str(value)] for name, value in message.items()]
    parts = []
    for part in message.walk():
        entry = {
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "disposition": part.get_content_disposition(),
            "filename": part.get_filename(),
            "method": part.get_param("method"),
            "transfer_encoding": part.get("Content-Transfer-Encoding"),
            "defects": [type(d).__name__ for d in part.defects],
        }
        if not part.is_multipart():
            data = part.get_payload(decode=True) or b""
            entry["size"] = len(data)
            entry["base64"] = base64.b64encode(data).decode("ascii")
            try:
                entry["text"] = data.decode("utf-8")
            except UnicodeDecodeError:
                entry["text"] = None
        parts.append(entry)
    return {
        "headers": headers,
        "subject": str(message["subject"]),
        "from": str(message["from"]),
        "to": str(message["to"]),
        "date": str(message["date"]),
        "message_id": str(message["message-id"]),
        "defects": [type(d).__name__ for d in message.defects],
        "parts": parts,
    }


class Sink:
    def __init__(self, directory: str):
        self.directory = directory
        # A sink restarted on the same directory numbers on after what it already holds.
        self.count = len([n for n in os.listdir(directory) if n.endswith(".json")])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject-permanent"):
            return "550 5.1.1 mailbox unavailable"
        if address.startswith("reject-transient"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        stem = os.path.join(self.directory, "msg-%d" % self.count)
        raw = envelope.original_content or envelope.content
        with open(stem + ".eml", "wb") as f:
            f.write(raw)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            # session.ssl is set by STARTTLS only; an implicit-TLS transport has an ssl_object.
            "tls": session.ssl is not None
            or server.transport.get_extra_info("ssl_object") is not None,
            "user": session.auth_data.decode() if isinstance(session.auth_data, bytes) else None,
            "message": summarize(raw),
        }
        with open(stem + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False, indent=1)
        os.rename(stem + ".tmp", stem + ".json")
        return "250 2.0.0 accepted"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER
          and auth_data.password == PASSWORD)
    return AuthResult(success=ok, handled=False, auth_data=USER if ok else None)


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--auth", action="store_true")
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--implicit", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--verbose", action="store_true", help="aiosmtpd's own log on stderr")
    parser.add_argument("--port", type=int, default=0, help="listen here (default: a free port)")
    args = parser.parse_args()
    if not args.verbose:
        # The tests provoke failures on purpose (bad passwords, unknown CAs): keep their
        # output free of aiosmtpd's tracebacks and deprecation notes.
        logging.getLogger("mail.log").setLevel(logging.CRITICAL + 1)

    options = {"hostname": "127.0.0.1", "port": args.port or free_port(),
               "server_hostname": "sink.test"}
    if args.auth:
        options.update(authenticator=authenticator, auth_required=True)
    if args.starttls:
        options.update(tls_context=tls_context(*args.starttls), require_starttls=True)
    if args.implicit:
        options.update(ssl_context=tls_context(*args.implicit))
    controller = Controller(Sink(args.directory), **options)
    controller.start()
    print("READY %d" % controller.port, flush=True)
    try:
        sys.stdin.read()  # until the test closes our standard input
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
