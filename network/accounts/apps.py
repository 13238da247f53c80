from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "network.accounts"
    label = "accounts"
    verbose_name = "Accounts and sign-in"

    def ready(self):
        from network.accounts import api_schema  # noqa: F401  (registers schema extensions)
