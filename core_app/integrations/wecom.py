"""WeCom / 政务微信 application message: gettoken with corpid and corpsecret, then message/send.

``api_url`` is the API base (``https://qyapi.weixin.qq.com`` or the private 政务微信 host); the paths
``/cgi-bin/gettoken`` and ``/cgi-bin/message/send`` are appended. The recipient is a WeCom user id
(several joined by ``|``).
"""

from dataclasses import dataclass, field

from core_app.integrations.base import Delivery, OutgoingMessage, TokenCache
from core_app.integrations.http_json import TOKEN_ERRCODES, ChannelError, call_json, check_errcode
from core_app.notify.models import Channel


@dataclass
class WeCom:
    api_url: str
    corp_id: str
    corp_secret: str
    agent_id: str
    channel: Channel = Channel.WECOM
    tokens: TokenCache = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = TokenCache(self._fetch_token)

    @property
    def configured(self) -> bool:
        return all((self.api_url, self.corp_id, self.corp_secret, self.agent_id))

    def _fetch_token(self) -> tuple[str, int]:
        params = {"corpid": self.corp_id, "corpsecret": self.corp_secret}
        body = check_errcode(call_json("GET", f"{self.api_url.rstrip('/')}/cgi-bin/gettoken", params=params))
        return body["access_token"], int(body.get("expires_in", 7200))

    def send(self, message: OutgoingMessage) -> Delivery:
        url = f"{self.api_url.rstrip('/')}/cgi-bin/message/send"
        body = {
            "touser": message.recipient,
            "msgtype": "text",
            "agentid": self.agent_id,
            "text": {"content": message.text},
        }
        try:
            check_errcode(call_json("POST", url, params={"access_token": self.tokens.get()}, json=body))
        except ChannelError as exc:
            if exc.errcode in TOKEN_ERRCODES:
                self.tokens.forget()
            return Delivery.failed(str(exc))
        return Delivery.sent()
