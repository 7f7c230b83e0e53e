"""A notice in the citizen's app (浙里办 / I盐田 message centre): one JSON POST per message.

POST ``{"account", "title", "content", "payload"}`` to ``app_push_url`` with ``Authorization: Bearer
<token>``; ``account`` is the recipient's app account (the username they sign in with). Delivered when the
answer is 2xx and its ``code`` (if any) is 0.
"""

from dataclasses import dataclass

from core_app.integrations.base import Delivery, OutgoingMessage
from core_app.integrations.http_json import ChannelError, call_json
from core_app.notify.models import Channel


def app_push_body(message: OutgoingMessage) -> dict:
    """The JSON the message centre gets for one message."""
    return {
        "account": message.recipient,
        "title": message.subject,
        "content": message.body,
        "payload": message.payload or {},
    }


@dataclass
class AppPush:
    url: str
    token: str
    channel: Channel = Channel.APP_PUSH

    @property
    def configured(self) -> bool:
        return bool(self.url and self.token)

    def send(self, message: OutgoingMessage) -> Delivery:
        try:
            body = call_json(
                "POST",
                self.url,
                headers={"Authorization": f"Bearer {self.token}"},
                json=app_push_body(message),
            )
        except ChannelError as exc:
            return Delivery.failed(str(exc))
        if body.get("code", 0) != 0:
            return Delivery.failed(f"code {body.get('code')}: {body.get('message', body.get('msg', ''))}")
        return Delivery.sent()
