"""Secrets live in the OS keyring and nowhere else.

Why a wrapper: every caller gets the same service name, the same readable
error when no keyring exists ("install gnome-keyring or KWallet" rather than
``NoKeyringError``), and no code path that could fall back to plaintext.
"""
from __future__ import annotations

import keyring
import keyring.errors

SERVICE = "oncall-desktop"


class CredentialError(Exception):
    """The keyring cannot be used; the message says what to install or unlock."""


def _account(system: str, user: str) -> str:
    return f"{system}:{user}" if user else system


def _no_keyring(exc: Exception) -> CredentialError:
    return CredentialError(
        "No usable keyring found, so the password cannot be stored safely "
        f"({exc.__class__.__name__}). Install and unlock one (GNOME Keyring, KWallet, "
        "macOS Keychain, Windows Credential Manager) and try again; oncall-desktop never "
        "stores secrets in plain text."
    )


def set_secret(system: str, user: str, secret: str) -> None:
    if not secret:
        raise CredentialError("the secret is empty; nothing was stored")
    try:
        keyring.set_password(SERVICE, _account(system, user), secret)
    except keyring.errors.KeyringError as exc:
        raise _no_keyring(exc) from None


def get_secret(system: str, user: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, _account(system, user))
    except keyring.errors.KeyringError as exc:
        raise _no_keyring(exc) from None


def delete_secret(system: str, user: str) -> None:
    try:
        keyring.delete_password(SERVICE, _account(system, user))
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError as exc:
        raise _no_keyring(exc) from None


def keyring_available() -> tuple[bool, str]:
    """(usable, backend description) for the readiness check and Settings."""
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    priority = getattr(backend, "priority", 0)
    try:
        usable = float(priority) > 0
    except (TypeError, ValueError):
        usable = True
    if "fail" in name.lower() or "null" in name.lower():
        usable = False
    return usable, name
