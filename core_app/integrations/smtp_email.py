"""E-mail over SMTP (plain, with login when a user is configured)."""

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from core_app.integrations.base import Delivery, OutgoingMessage
from core_app.notify.models import Channel

TIMEOUT_SECONDS = 10.0


def build_email(sender: str, message: OutgoingMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    return email


@dataclass
class SmtpMailer:
    host: str
    port: int
    sender: str
    user: str = ""
    password: str = ""
    channel: Channel = Channel.EMAIL

    @property
    def configured(self) -> bool:
        return bool(self.host)

    def send(self, message: OutgoingMessage) -> Delivery:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS) as smtp:
                if self.user:
                    self._login(smtp)
                refused = smtp.send_message(build_email(self.sender, message))
        except (smtplib.SMTPException, OSError) as exc:
            return Delivery.failed(f"{type(exc).__name__}: {exc}")
        if refused:
            return Delivery.failed(f"recipients refused: {refused}")
        return Delivery.sent()

    def _login(self, smtp: smtplib.SMTP) -> None:
        # Never send a password in clear: upgrade the connection when the server offers STARTTLS.
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        smtp.login(self.user, self.password)
