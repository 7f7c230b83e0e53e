"""DingTalk work notice (工作通知): gettoken with the app key and secret, then asyncsend_v2.

A recipient is a DingTalk user id, or ``dept:<id>`` for a whole department (sent as dept_id_list; we use
the department's code as its DingTalk department id). The token is cached until shortly before expiry.
"""

from dataclasses import dataclass, field

from core_app.integrations.base import Delivery, OutgoingMessage, TokenCache
from core_app.integrations.http_json import TOKEN_ERRCODES, ChannelError, call_json, check_errcode
from core_app.notify.models import Channel

DEPARTMENT_PREFIX = "dept:"


def work_notice_body(agent_id: str, message: OutgoingMessage) -> dict:
    """The asyncsend_v2 request body for one recipient."""
    body: dict = {"agent_id": agent_id, "msg": {"msgtype": "text", "text": {"content": message.text}}}
    if message.recipient.startswith(DEPARTMENT_PREFIX):
        body["dept_id_list"] = message.recipient.removeprefix(DEPARTMENT_PREFIX)
    else:
        body["userid_list"] = message.recipient
    return body


@dataclass
class DingTalkWorkNotice:
    api_url: str
    app_key: str
    app_secret: str
    agent_id: str
    channel: Channel = Channel.DING_WORK
    tokens: TokenCache = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = TokenCache(self._fetch_token)

    @property
    def configured(self) -> bool:
        return all((self.api_url, self.app_key, self.app_secret, self.agent_id))

    def _fetch_token(self) -> tuple[str, int]:
        params = {"appkey": self.app_key, "appsecret": self.app_secret}
        body = check_errcode(call_json("GET", f"{self.api_url.rstrip('/')}/gettoken", params=params))
        return body["access_token"], int(body.get("expires_in", 7200))

    def send(self, message: OutgoingMessage) -> Delivery:
        url = f"{self.api_url.rstrip('/')}/topapi/message/corpconversation/asyncsend_v2"
        try:
            params = {"access_token": self.tokens.get()}
            check_errcode(
                call_json("POST", url, params=params, json=work_notice_body(self.agent_id, message))
            )
        except ChannelError as exc:
            if exc.errcode in TOKEN_ERRCODES:
                self.tokens.forget()
            return Delivery.failed(str(exc))
        return Delivery.sent()
