"""Local stand-ins for the outside systems: an HTTP server on 127.0.0.1 and a tiny SMTP server."""

import base64
import hashlib
import hmac
import json
import socket
import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Reply = tuple[int, dict[str, Any] | str]


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class ScriptedHttp:
    """Answers the scripted replies in order, then ``default`` (or what ``answer`` computes) for ever."""

    replies: list[Reply] = field(default_factory=list)
    default: Reply = (200, {"errcode": 0, "errmsg": "ok"})
    answer: Callable[[Seen], Reply | None] | None = None
    seen: list[Seen] = field(default_factory=list)
    port: int = 0
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ScriptedHttp":
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def reply_to(self, seen: Seen) -> Reply:
        self.seen.append(seen)
        if self.answer is not None and (computed := self.answer(seen)) is not None:
            return computed
        return self.replies.pop(0) if self.replies else self.default

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                seen = Seen(self.command, parts.path, query, dict(self.headers), body)
                status, reply = scripted.reply_to(seen)
                data = (json.dumps(reply) if isinstance(reply, dict) else reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

        return Handler


def free_port() -> int:
    """A port nothing listens on (bound, then released): connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def robot_sign_ok(query: dict[str, str], secret: str) -> bool:
    """Check the signature the way DingTalk does (parse_qs already URL-decoded it)."""
    timestamp = query.get("timestamp", "")
    expected = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(expected).decode(), query.get("sign", ""))


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Enough of RFC 5321 for smtplib: EHLO, MAIL, RCPT, DATA, QUIT; mails go to server.mails."""

    def handle(self) -> None:
        self._say("220 localhost test SMTP")
        envelope: dict[str, Any] = {"rcpt": []}
        while line := self.rfile.readline().decode().rstrip("\r\n"):
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                self._say("250 localhost")
            elif verb == "MAIL":
                envelope = {"from": line[10:], "rcpt": []}
                self._say("250 OK")
            elif verb == "RCPT":
                envelope["rcpt"].append(line[8:])
                self._say("250 OK")
            elif verb == "DATA":
                self._say("354 end with .")
                envelope["data"] = self._read_data()
                self.server.mails.append(envelope)  # type: ignore[attr-defined]
                self._say("250 queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("250 OK")

    def _read_data(self) -> str:
        lines = []
        while (line := self.rfile.readline().decode()) not in (".\r\n", ""):
            lines.append(line)
        return "".join(lines)

    def _say(self, text: str) -> None:
        self.wfile.write(f"{text}\r\n".encode())


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.mails: list[dict[str, Any]] = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
