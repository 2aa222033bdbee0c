#!/usr/bin/env python3
"""A real SMTP server for the notification tests (aiosmtpd, from PyPI: pip install aiosmtpd).

Usage: python3 smtp_sink.py OUT_DIR

Listens on a free loopback port and prints "READY <port>" once it accepts connections. Every
message received is written to OUT_DIR as NNNNN.eml (the raw bytes) and NNNNN.json (envelope and
the decoded subject, Message-ID and text/HTML parts, read with Python's own e-mail parser), each
file renamed into place only when complete. Runs until its standard input closes.
"""

import email
import email.policy
import json
import os
import socket
import sys

try:
    from aiosmtpd.controller import Controller
except ImportError:
    sys.stderr.write("aiosmtpd is not installed: run `pip install aiosmtpd`\n")
    sys.exit(3)


class Sink:
    def __init__(self, out):
        self.out = out
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.out, "%05d" % self.count)
        raw = envelope.original_content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        text = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        info = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(msg["subject"]),
            "from": str(msg["from"]),
            "to": str(msg["to"]),
            "message_id": str(msg["message-id"]),
            "content_type": msg.get_content_type(),
            "text": text.get_content() if text is not None else None,
            "html": html.get_content() if html is not None else None,
        }
        with open(base + ".eml.tmp", "wb") as f:
            f.write(raw)
        os.rename(base + ".eml.tmp", base + ".eml")
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(info, f, ensure_ascii=False)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 2.0.0 Ok: queued as sink-%d" % self.count


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    controller = Controller(Sink(out), hostname="127.0.0.1", port=port)
    controller.start()
    print("READY %d" % port, flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
