from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "minzheng.verification"
    label = "verification"
    verbose_name = "数据比对与走访排查"
