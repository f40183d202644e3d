"""Logging in: argon2 password hashes and throttling of wrong passwords (django-axes)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def attempt(client: Client, password: str, username: str = "ani") -> Any:
    return client.post("/masuk/", {"username": username, "password": password})


def test_passwords_are_stored_as_argon2_hashes() -> None:
    UserFactory(username="ani")
    stored = get_user_model().objects.get(username="ani").password
    assert stored.startswith("argon2$argon2id$")
    assert PASSWORD not in stored


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(
    client: Client,
) -> None:
    UserFactory(username="ani")
    for _ in range(4):
        response = attempt(client, "tebakan-salah")
        assert response.status_code == 200
        assert "Nama pengguna atau kata sandi salah" in response.content.decode()
    locked = attempt(client, "tebakan-salah")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Terlalu banyak percobaan masuk" in page
    assert "Coba lagi 15 menit lagi" in page
    still = attempt(client, PASSWORD)
    assert still.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # still sent to the login page


def test_the_lock_is_for_that_username_only(client: Client) -> None:
    UserFactory(username="ani")
    UserFactory(username="budi")
    for _ in range(5):
        attempt(client, "tebakan-salah")
    response = attempt(client, PASSWORD, username="budi")
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_a_success_before_the_limit_resets_the_count(client: Client) -> None:
    UserFactory(username="ani")
    for _ in range(4):
        attempt(client, "tebakan-salah")
    assert attempt(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert attempt(client, "tebakan-salah").status_code == 200
    assert attempt(client, PASSWORD).status_code == 302
