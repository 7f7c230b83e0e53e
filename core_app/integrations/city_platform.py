"""Report an event's result back to the city platform (市平台), retried until it acknowledges.

POST the message's payload as JSON to ``city_platform_url`` with ``Authorization: Bearer <token>``.
Acknowledged only when the answer is 2xx and its body says so: ``{"ack": true}`` or ``{"code": 0}``. Any
other answer (including a 2xx without either) counts as not received, and the report is sent again.
"""

from dataclasses import dataclass

from core_app.integrations.base import Delivery, OutgoingMessage
from core_app.integrations.http_json import ChannelError, call_json
from core_app.notify.models import Channel


def acknowledged(body: dict) -> bool:
    return body.get("ack") is True or ("code" in body and body["code"] == 0)


@dataclass
class CityPlatform:
    url: str
    token: str
    channel: Channel = Channel.CITY_PLATFORM

    @property
    def configured(self) -> bool:
        return bool(self.url)

    def send(self, message: OutgoingMessage) -> Delivery:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            body = call_json("POST", self.url, headers=headers, json=message.payload or {})
        except ChannelError as exc:
            return Delivery.failed(str(exc))
        if not acknowledged(body):
            return Delivery.failed(f"not acknowledged: {str(body)[:300]}")
        return Delivery.sent()
