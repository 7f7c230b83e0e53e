"""The channels built from the settings: one adapter per channel."""

from core_app.config import Settings
from core_app.integrations.app_push import AppPush
from core_app.integrations.base import Notifier
from core_app.integrations.city_platform import CityPlatform
from core_app.integrations.dingtalk_robot import DingTalkRobot
from core_app.integrations.dingtalk_work import DingTalkWorkNotice
from core_app.integrations.sms import SmsGateway
from core_app.integrations.smtp_email import SmtpMailer
from core_app.integrations.wecom import WeCom
from core_app.notify.models import Channel


def adapters_from_settings(settings: Settings) -> dict[Channel, Notifier]:
    """Every channel; those without URL or credentials say ``configured = False``."""
    adapters: list[Notifier] = [
        DingTalkWorkNotice(
            settings.dingtalk_api_url,
            settings.dingtalk_app_key,
            settings.dingtalk_app_secret,
            settings.dingtalk_agent_id,
        ),
        DingTalkRobot(settings.dingtalk_robot_url, settings.dingtalk_robot_secret),
        SmsGateway(settings.sms_gateway_url, settings.sms_api_key, settings.sms_sign_name),
        WeCom(
            settings.wecom_api_url,
            settings.wecom_corp_id,
            settings.wecom_corp_secret,
            settings.wecom_agent_id,
        ),
        SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_sender,
            settings.smtp_user,
            settings.smtp_password,
        ),
        CityPlatform(settings.city_platform_url, settings.city_platform_token),
        AppPush(settings.app_push_url, settings.app_push_token),
    ]
    return {adapter.channel: adapter for adapter in adapters}
