from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "accord.apps.exchange"
    label = "exchange"
    verbose_name = "Exchange"
