"""A generic SMS gateway: one JSON POST per message, authenticated by an API key header.

Request: ``{"phone", "sign", "text"}`` plus ``"template"`` and ``"params"`` when the message's payload
names a template. Delivered when the answer is 2xx and its ``code`` (if any) is 0.
"""

from dataclasses import dataclass

from core_app.integrations.base import Delivery, OutgoingMessage
from core_app.integrations.http_json import ChannelError, call_json
from core_app.notify.models import Channel

API_KEY_HEADER = "X-API-Key"


def sms_body(sign_name: str, message: OutgoingMessage) -> dict:
    payload = message.payload or {}
    body = {"phone": message.recipient, "sign": sign_name, "text": message.body}
    if payload.get("template"):
        body["template"] = payload["template"]
        body["params"] = payload.get("params", {})
    return body


@dataclass
class SmsGateway:
    url: str
    api_key: str
    sign_name: str
    channel: Channel = Channel.SMS

    @property
    def configured(self) -> bool:
        return bool(self.url and self.api_key)

    def send(self, message: OutgoingMessage) -> Delivery:
        try:
            body = call_json(
                "POST",
                self.url,
                headers={API_KEY_HEADER: self.api_key},
                json=sms_body(self.sign_name, message),
            )
        except ChannelError as exc:
            return Delivery.failed(str(exc))
        if body.get("code", 0) != 0:
            return Delivery.failed(f"code {body.get('code')}: {body.get('message', body.get('msg', ''))}")
        return Delivery.sent()
