"""A real SMTP server for the mail tests (aiosmtpd, from PyPI).

Accepts every message on 127.0.0.1:PORT and writes each one, decoded by
Python's own e-mail parser, as a JSON file in DIR: the envelope recipients,
the From, To, Subject and Message-ID headers, the plain-text body and the content type.
Prints "ready" once it listens.
"""

import argparse
import asyncio
import email
import email.policy
import json
import pathlib
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out: pathlib.Path):
        self.out = out
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        record = {
            "envelope_to": list(envelope.rcpt_tos),
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "message_id": str(message["Message-ID"]),
            "content_type": message.get_content_type(),
            "body": body.get_content() if body is not None else "",
        }
        self.count += 1
        target = self.out / f"{time.time_ns()}-{self.count}.json"
        partial = target.with_suffix(".part")
        partial.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        partial.rename(target)
        return "250 Message accepted for delivery"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=pathlib.Path, required=True)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    controller = Controller(Sink(args.dir), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    asyncio.run(main())
