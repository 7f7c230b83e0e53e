"""DingTalk group robot (自定义机器人) webhook, with the 加签 signature.

Signing: ``sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")))`` with the
timestamp in milliseconds, sent as the ``timestamp`` and ``sign`` query parameters next to the webhook's
``access_token``. DingTalk rejects a timestamp more than an hour off. The answer ``errcode`` must be 0.
"""

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from core_app.integrations.base import Delivery, OutgoingMessage
from core_app.integrations.http_json import ChannelError, call_json, check_errcode
from core_app.notify.models import Channel


def robot_signature(timestamp_ms: int, secret: str) -> str:
    """The base64 HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret (URL-encoding is httpx's job)."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def robot_body(message: OutgoingMessage) -> dict:
    """A markdown message when the payload asks for one, else plain text."""
    if (message.payload or {}).get("markdown"):
        return {"msgtype": "markdown", "markdown": {"title": message.subject, "text": message.body}}
    return {"msgtype": "text", "text": {"content": message.text}}


@dataclass
class DingTalkRobot:
    """Posts to the group robot's webhook URL (which carries its access_token)."""

    url: str
    secret: str = ""
    clock_ms: Callable[[], int] = lambda: int(time.time() * 1000)
    channel: Channel = Channel.DING_ROBOT

    @property
    def configured(self) -> bool:
        return bool(self.url)

    def signed_params(self) -> dict[str, str]:
        if not self.secret:
            return {}
        timestamp = self.clock_ms()
        return {"timestamp": str(timestamp), "sign": robot_signature(timestamp, self.secret)}

    def signed_url(self) -> str:
        # Merge, not replace: the webhook URL carries its access_token (httpx's params= would drop it).
        return str(httpx.URL(self.url).copy_merge_params(self.signed_params()))

    def send(self, message: OutgoingMessage) -> Delivery:
        try:
            check_errcode(call_json("POST", self.signed_url(), json=robot_body(message)))
        except ChannelError as exc:
            return Delivery.failed(str(exc))
        return Delivery.sent()
