"""Outside dev mode, mailed tokens travel only by mail, never in bodies (CONTRACT §1)."""
from __future__ import annotations

from tests.e2e.identity.flows import NEW_PASSWORD, fresh_email, post, register
from tests.e2e.identity.test_mail_delivery import mail_to, mailed_token


def test_register_and_forgot_password_answer_no_token_in_production(production_env_stack,
                                                                     smtp_server):
    address = fresh_email("prod")
    registered = register(production_env_stack, email=address)
    assert "token" not in registered and registered["expired_at"] > 0
    confirmed = post(production_env_stack, "/api/v1/auth/confirm_email/",
                     {"token": mailed_token(mail_to(smtp_server, address, "Confirm"))})
    assert confirmed.status_code == 200 and confirmed.json()["user"]["email_confirmed"] is True

    forgot = post(production_env_stack, "/api/v1/auth/forgot_password/", {"email": address})
    assert forgot.status_code == 200 and set(forgot.json()) == {"message", "position"}  # no token
    reset = post(production_env_stack, "/api/v1/auth/reset_password/",
                 {"token": mailed_token(mail_to(smtp_server, address, "Reset")),
                  "password": NEW_PASSWORD})
    assert reset.status_code == 200, reset.text
