"""OpenID Connect sign-in by configuration, through Streamlit's ``st.login`` / ``st.user``.

An ``[auth]`` section in ``.streamlit/secrets.toml`` (Streamlit's own format: one provider
in ``[auth]`` itself, or named ones in ``[auth.<name>]``) turns on "Sign in with ...".
``TRAQ_AUTH`` chooses the methods: ``password``, ``oidc`` or ``both`` (the default is
``both`` when a provider is configured, else ``password``). ``TRAQ_OIDC_CLAIM`` names the
claim that identifies the account (default ``email``; see ``services.sso``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import import_module
from typing import Any

import streamlit as st

from services.sso import DEFAULT_CLAIM

AUTH_ENV, CLAIM_ENV = "TRAQ_AUTH", "TRAQ_OIDC_CLAIM"
# What st.login's routes import (Authlib's Starlette client, and through it httpx): when it
# is missing, Streamlit fails only after the redirect, with a bare server error.
LOGIN_MODULE = "authlib.integrations.starlette_client"
MODES = ("password", "oidc", "both")
DEFAULT_PROVIDER = "default"  # Streamlit's name for the provider set in [auth] itself


class SignInConfigError(ValueError):
    """The sign-in configuration cannot work; the message says what to change."""


@dataclass(frozen=True)
class SignInMethods:
    """How people may sign in: with passwords, and through which OIDC providers."""

    passwords: bool
    providers: tuple[str, ...]


def auth_section() -> Mapping[str, Any]:
    """The ``[auth]`` section of the app's secrets, empty when there is none."""
    try:
        section = st.secrets.get("auth")
    except FileNotFoundError:  # no secrets.toml at all: Streamlit raises a subclass
        return {}
    return section if isinstance(section, Mapping) else {}


def providers(section: Mapping[str, Any]) -> tuple[str, ...]:
    """The providers an ``[auth]`` section configures, as ``st.login`` names them."""
    named = tuple(sorted(k for k, v in section.items() if isinstance(v, Mapping)))
    return ((DEFAULT_PROVIDER,) if "client_id" in section else ()) + named


def provider_label(provider: str) -> str:
    """The button text for a provider."""
    if provider == DEFAULT_PROVIDER:
        return "Sign in with single sign-on"
    return f"Sign in with {provider.replace('-', ' ').title()}"


def sign_in_methods(environ: Mapping[str, str], section: Mapping[str, Any]) -> SignInMethods:
    """The methods the configuration allows; SignInConfigError if it cannot work."""
    found = providers(section)
    mode = environ.get(AUTH_ENV, "").strip().lower() or ("both" if found else "password")
    if mode not in MODES:
        raise SignInConfigError(f"{AUTH_ENV} must be one of {', '.join(MODES)}, not {mode!r}.")
    if mode != "password" and not found:
        raise SignInConfigError(
            f"{AUTH_ENV}={mode} needs an [auth] section with a provider in "
            ".streamlit/secrets.toml (see README, Single sign-on)."
        )
    for name in found:
        if "_" in name:  # st.login refuses such names, but only once the button is clicked
            raise SignInConfigError(
                f"The provider name [auth.{name}] may not hold an underscore; rename it "
                "in .streamlit/secrets.toml (e.g. with a hyphen)."
            )
    return SignInMethods(mode != "oidc", found if mode != "password" else ())


def configured_methods() -> SignInMethods:
    """The running installation's sign-in methods."""
    return sign_in_methods(os.environ, auth_section())


def identity_claim() -> str:
    """The claim that names the account (``TRAQ_OIDC_CLAIM``, default ``email``)."""
    return os.environ.get(CLAIM_ENV, "").strip() or DEFAULT_CLAIM


def signed_in_claims() -> dict[str, Any] | None:
    """The provider's claims when ``st.user`` holds a signed-in identity, else None."""
    if st.user.get("is_logged_in") is not True:
        return None
    return dict(st.user.to_dict())


def missing_login_module() -> str | None:
    """The module ``st.login`` needs that is not installed (None when sign-on can start)."""
    try:
        import_module(LOGIN_MODULE)
    except ModuleNotFoundError as exc:
        return exc.name or LOGIN_MODULE
    return None
