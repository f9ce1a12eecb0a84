from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "accord.apps.register"
    label = "register"
    verbose_name = "Register"
