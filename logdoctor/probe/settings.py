"""What to probe and how: the settings, from options and a YAML profile file.

A profile file holds named profiles (`profiles: {support: {host: …, user: …}}`);
options given on the command line win over the profile. Secrets are never values
in the file, only the names of variables or files holding them. Every problem is
reported as `path:line:col: what`, all of them at once. Imports errors, the YAML
reader and secrets.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from logdoctor.errors import UsageError
from logdoctor.probe.secrets import SecretSource

if TYPE_CHECKING:  # the YAML reader is imported only when a profile is read
    from yaml.nodes import MappingNode, Node

    from logdoctor.ruleset.yamlsrc import Problem

SECURITIES = ("ssl", "starttls", "plain")
AUTHS = ("xoauth2", "oauthbearer", "login")
PROVIDERS = ("entra", "google", "custom")
DEFAULT_TIMEOUT = 15.0  # the GLPI FAQ's advice for the OAuth IMAP Diagnose timeout
ENTRA_SCOPE = "https://outlook.office.com/IMAP.AccessAsUser.All offline_access"
GOOGLE_SCOPE = "https://mail.google.com/"


@dataclass(frozen=True)
class ProbeSettings:
    """One mailbox check. Secrets appear only as their sources."""

    host: str | None = None
    port: int | None = None
    security: str | None = None  # ssl | starttls | plain
    user: str | None = None
    folder: str = "INBOX"
    timeout: float = DEFAULT_TIMEOUT
    cafile: str | None = None
    auth: str = "xoauth2"
    insecure: bool = False
    allow_plaintext: bool = False
    provider: str | None = None
    tenant: str | None = None
    token_url: str | None = None
    client_id: str | None = None
    scope: str | None = None
    token_env: str | None = None
    token_file: str | None = None
    refresh_token_env: str | None = None
    refresh_token_file: str | None = None
    client_secret_env: str | None = None
    client_secret_file: str | None = None
    password_env: str | None = None
    password_file: str | None = None
    save_refresh_token: bool = False

    @property
    def effective_security(self) -> str:
        """ssl unless told otherwise; starttls for port 143."""
        if self.security:
            return self.security
        return "starttls" if self.port == 143 else "ssl"

    @property
    def effective_port(self) -> int:
        """993 for implicit TLS, 143 otherwise."""
        if self.port:
            return self.port
        return 993 if self.effective_security == "ssl" else 143

    @property
    def effective_provider(self) -> str | None:
        """entra/google as given; custom when only a token URL is."""
        if self.provider:
            return self.provider
        return "custom" if self.token_url else None

    def token_endpoint(self) -> str | None:
        """The URL refresh tokens are exchanged at."""
        if self.token_url:
            return self.token_url
        if self.provider == "entra":
            return f"https://login.microsoftonline.com/{self.tenant or 'common'}/oauth2/v2.0/token"
        if self.provider == "google":
            return "https://oauth2.googleapis.com/token"
        return None

    def token_scope(self) -> str | None:
        """The scope asked for on refresh: the provider's IMAP scope unless given."""
        if self.scope:
            return self.scope
        return {"entra": ENTRA_SCOPE, "google": None}.get(self.provider or "")

    def source(self, what: str) -> SecretSource | None:
        """Where the password / access token / refresh token / client secret comes from."""
        key = {"password": "password", "access token": "token", "refresh token": "refresh_token",
               "client secret": "client_secret"}[what]  # fmt: skip
        env, file = getattr(self, f"{key}_env"), getattr(self, f"{key}_file")
        if env and file:
            raise UsageError(
                f"give the {what} by --{_opt(key)}-env or --{_opt(key)}-file, not both"
            )
        return SecretSource(what, env=env, file=file) if env or file else None

    def check(self) -> None:
        """Refuse settings that cannot make a probe (usage errors, exit 2)."""
        if not self.host:
            raise UsageError("no host: give --host or a profile with host")
        if not self.user:
            raise UsageError("no user: give --user or a profile with user")
        for name, choices in (("security", SECURITIES), ("auth", AUTHS)):
            value = getattr(self, name)
            if value is not None and value not in choices:
                raise UsageError(f"{name} {value!r} is not one of {', '.join(choices)}")
        if self.provider is not None and self.provider not in PROVIDERS:
            raise UsageError(f"provider {self.provider!r} is not one of {', '.join(PROVIDERS)}")
        if self.effective_security == "plain" and not self.allow_plaintext:
            raise UsageError(
                "plain IMAP would send the credentials unencrypted: use --ssl or --starttls, "
                "or add --allow-plaintext on a network you trust"
            )
        if self.insecure and self.cafile:
            raise UsageError("--insecure turns verification off; --cafile needs it on: give one")
        if not 0 < self.timeout <= 600:
            raise UsageError(f"timeout {self.timeout:g} is not between 0 and 600 seconds")
        self._check_credentials()

    def _check_credentials(self) -> None:
        if self.auth == "login":
            if self.source("password") is None:
                raise UsageError("--auth login needs --password-env or --password-file")
            return
        access, refresh = self.source("access token"), self.source("refresh token")
        if access and refresh:
            raise UsageError("give an access token or a refresh token, not both")
        if not access and not refresh:
            raise UsageError(
                f"--auth {self.auth} needs a token: --token-env/--token-file, or "
                "--refresh-token-file with --provider (or --token-url) and --client-id"
            )
        if refresh:
            if not self.token_endpoint():
                raise UsageError("a refresh token needs --provider entra|google or --token-url")
            if not self.client_id:
                raise UsageError("a refresh token needs --client-id")
        self.source("client secret")
        if self.save_refresh_token and not self.refresh_token_file:
            raise UsageError("--save-refresh-token needs --refresh-token-file")


def _opt(key: str) -> str:
    return key.replace("_", "-")


FIELDS = {_opt(f.name): f for f in fields(ProbeSettings)}
_SECRET_KEYS = ("password", "token", "access-token", "refresh-token", "client-secret", "secret")


def merge(base: ProbeSettings, given: dict[str, Any]) -> ProbeSettings:
    """`base` with every option the user gave (not None) on top."""
    return replace(base, **{k: v for k, v in given.items() if v is not None})


def load_profile(path: str, name: str) -> ProbeSettings:
    """The named profile of a profile file; every problem in it as one usage error."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise UsageError(f"cannot read the profile file: {exc.strerror}", path=path) from None
    from logdoctor.ruleset.yamlsrc import Problem, compose

    root, problems = compose(path, text)
    profile = None
    if root is not None and not problems:
        profile, problems = _find(path, root, name)
    settings = None
    if profile is not None:
        settings = _read(path, profile, problems)
    if problems or settings is None:
        if not problems:
            problems = [Problem(path, 1, 1, "empty profile file")]
        raise UsageError("\n".join(str(p) for p in problems))
    return settings


def _find(path: str, root: Node, name: str) -> tuple[MappingNode | None, list[Problem]]:
    from yaml.nodes import MappingNode

    from logdoctor.ruleset.yamlsrc import where

    top = _mapping(root)
    profiles = top.get("profiles") if top is not None else None
    if profiles is None or _mapping(profiles[1]) is None:
        return None, [where(path, root, "expected a mapping with 'profiles:' (name -> settings)")]
    found = _mapping(profiles[1]) or {}
    if name not in found:
        have = ", ".join(sorted(found)) or "none"
        return None, [where(path, profiles[0], f"no profile {name!r} (profiles: {have})")]
    node = found[name][1]
    if not isinstance(node, MappingNode):
        return None, [where(path, node, f"profile {name!r} must be a mapping of settings")]
    return node, []


def _mapping(node: Node) -> dict[str, tuple[Node, Node]] | None:
    from yaml.nodes import MappingNode, ScalarNode

    if not isinstance(node, MappingNode):
        return None
    return {k.value: (k, v) for k, v in node.value if isinstance(k, ScalarNode)}


def _read(path: str, node: MappingNode, problems: list[Problem]) -> ProbeSettings:
    from logdoctor.ruleset.yamlsrc import where

    values: dict[str, Any] = {}
    base = os.path.dirname(os.path.abspath(path))
    for key, value in node.value:
        name = str(key.value)
        if name in _SECRET_KEYS:
            what = (f"{name!r}: secrets never go in a profile file; use {name}-env (a variable) "
                    f"or {name}-file (a file)")  # fmt: skip
            problems.append(where(path, key, what))
            continue
        if name not in FIELDS:
            close = difflib.get_close_matches(name, list(FIELDS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(where(path, key, f"unknown setting {name!r}{hint}"))
            continue
        converted = _convert(path, name, value, base, problems)
        if converted is not None:
            values[FIELDS[name].name] = converted
    return ProbeSettings(**values)


def _convert(path: str, name: str, node: Node, base: str, problems: list[Problem]) -> Any:
    from yaml.nodes import ScalarNode

    from logdoctor.ruleset.yamlsrc import where

    kind = FIELDS[name].type
    text = node.value if isinstance(node, ScalarNode) else None
    if text is None or text == "":
        problems.append(where(path, node, f"{name!r} needs a single value"))
        return None
    try:
        if "bool" in str(kind):
            if text not in ("true", "false"):
                raise ValueError("true or false")
            return text == "true"
        if "int" in str(kind):
            return int(text)
        if "float" in str(kind):
            return float(text)
    except ValueError:
        what = "true or false" if "bool" in str(kind) else "a number"
        problems.append(where(path, node, f"{name!r} must be {what}, not {text!r}"))
        return None
    if name.endswith("-file") or name == "cafile":
        return os.path.join(base, os.path.expanduser(text))
    return text
