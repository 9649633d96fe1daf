"""A throwaway real Dovecot on loopback for the probe tests.

Dovecot 2.3 (Debian 12) and 2.4 (Debian 13) take different configs; both are
rendered here. Plain IMAP + STARTTLS on one port (also on 127.0.0.2, where a
client from 127.0.0.1 is "not secured" and sees LOGINDISABLED), implicit TLS on
another; LOGIN through a passwd-file, XOAUTH2 and OAUTHBEARER through POST
introspection at the fake IdP (idp.py). The per-IP auth penalty and the failure
delay are off, or every negative test would cost seconds (2, 4, 8, 15 s).
Started by process id and stopped by it: never by name.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SBIN = ("/usr/sbin", "/usr/local/sbin", "/sbin")
USERS = {"alice@example.test": "alice-pass", "bob@example.test": "bob-pass"}


def binary() -> str | None:
    """The dovecot binary, also where sbin is not on PATH."""
    found = shutil.which("dovecot")
    if found:
        return found
    for folder in SBIN:
        if os.access(os.path.join(folder, "dovecot"), os.X_OK):
            return os.path.join(folder, "dovecot")
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Dovecot:
    """A running instance."""

    dir: Path
    imap_port: int
    imaps_port: int
    cafile: str
    process: subprocess.Popen[bytes]
    version: str

    def log(self) -> str:
        try:
            return (self.dir / "dovecot.log").read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        shutil.rmtree(self.dir, ignore_errors=True)


def _cert(folder: Path) -> None:
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "400",
            "-keyout",
            str(folder / "server.key"),
            "-out",
            str(folder / "server.crt"),
            "-subj",
            "/CN=logdoctor-test-imap",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )


def _mail(folder: Path) -> None:
    for user, count in (("alice", 3), ("bob", 1)):
        maildir = folder / "mail" / user / "Maildir"
        for sub in ("cur", "new", "tmp"):
            (maildir / sub).mkdir(parents=True)
        for i in range(1, count + 1):
            message = (
                f"From: sender{i}@example.test\r\nTo: {user}@example.test\r\n"
                f"Subject: ticket {i}\r\nDate: Sat, 28 Nov 2026 10:0{i}:00 +0000\r\n"
                f"Message-ID: <{i}.{user}@example.test>\r\n\r\nBody {i}\r\n"
            )
            (maildir / "new" / f"170000000{i}.M{i}P1.ldt").write_text(message)
        (maildir / ".Archive" / "cur").mkdir(parents=True)


def _common(d: Path, imap: int, imaps: int, rootless: bool) -> dict[str, str]:
    me = pwd.getpwuid(os.getuid())
    return {
        "dir": str(d),
        "imap": str(imap),
        "imaps": str(imaps),
        "name": f"ldt-{imap}",
        "internal": me.pw_name if rootless else "dovecot",
        "internal_group": "" if rootless else "dovecot",
        "login": me.pw_name if rootless else "dovenull",
        "mail_uid": me.pw_name if rootless else "nobody",
        "mail_gid": "" if rootless else "nogroup",
    }


# Both versions: the listeners (127.0.0.2 sees a client from 127.0.0.1 as not secured),
# and the per-IP auth penalty off (a listener of mode 0 is not created).
SERVICES = """\
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1 127.0.0.2
    port = {imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""

CONF_23 = """\
protocols = imap
listen = 127.0.0.1 127.0.0.2
base_dir = {dir}/run
state_dir = {dir}/state
instance_name = {name}
log_path = {dir}/dovecot.log
auth_verbose = yes
auth_mechanisms = plain login xoauth2 oauthbearer
default_internal_user = {internal}
{internal_group_line}default_login_user = {login}
mail_uid = {mail_uid}
{mail_gid_line}first_valid_uid = 0
mail_location = maildir:~/Maildir
ssl = yes
ssl_cert = <{dir}/tls/server.crt
ssl_key = <{dir}/tls/server.key
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users
  mechanisms = plain login
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {dir}/dovecot-oauth2.conf.ext
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {dir}/users
}}
auth_failure_delay = 0
"""

OAUTH_23 = """\
introspection_mode = post
introspection_url = http://127.0.0.1:{idp}/introspect
client_id = dovecot-test
client_secret = dovecot-test-secret
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 3000
"""

# Dovecot 2.4: new setting names, OAuth2 in a global block rather than a passdb
# (https://doc.dovecot.org/latest/core/config/auth/databases/oauth2.html).
CONF_24 = """\
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
protocols = imap
listen = 127.0.0.1 127.0.0.2
base_dir = {dir}/run
state_dir = {dir}/state
instance_name = {name}
log_path = {dir}/dovecot.log
auth_verbose = yes
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
default_internal_user = {internal}
{internal_group_line}default_login_user = {login}
mail_uid = {mail_uid}
{mail_gid_line}first_valid_uid = 0
mail_driver = maildir
mail_path = %{{home}}/Maildir
namespace inbox {{
  inbox = yes
}}
ssl = yes
ssl_server_cert_file = {dir}/tls/server.crt
ssl_server_key_file = {dir}/tls/server.key
passdb passwd-file {{
  passwd_file_path = {dir}/users
  default_password_scheme = PLAIN
  mechanisms_filter = plain login
}}
userdb passwd-file {{
  passwd_file_path = {dir}/users
}}
oauth2 {{
  introspection_mode = post
  introspection_url = http://127.0.0.1:{idp}/introspect
  client_id = dovecot-test
  client_secret = dovecot-test-secret
  username_attribute = username
  active_attribute = active
  active_value = true
  http_client_request_timeout = 3s
}}
"""


def start(idp_port: int) -> Dovecot:
    """Render, start and wait for the greeting; raises RuntimeError with the log."""
    exe = binary()
    if exe is None:
        raise RuntimeError("dovecot is not installed (apt-get install dovecot-imapd)")
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
    rootless = os.getuid() != 0
    d = Path(tempfile.mkdtemp(prefix="logdoctor-dovecot-"))
    d.chmod(0o755)  # the auth and mail processes run as other users
    (d / "tls").mkdir()
    _cert(d / "tls")
    _mail(d)
    (d / "users").write_text(
        "".join(f"{u}:{{PLAIN}}{p}::::{d}/mail/{u.split('@')[0]}::\n" for u, p in USERS.items())
    )
    imap, imaps = free_port(), free_port()
    values = _common(d, imap, imaps, rootless)
    values["internal_group_line"] = (
        f"default_internal_group = {values['internal_group']}\n" if values["internal_group"] else ""
    )
    values["mail_gid_line"] = f"mail_gid = {values['mail_gid']}\n" if values["mail_gid"] else ""
    values["idp"] = str(idp_port)
    conf = CONF_24 if version.startswith("2.4") else CONF_23
    (d / "dovecot.conf").write_text((conf + SERVICES).format(**values))
    (d / "dovecot-oauth2.conf.ext").write_text(OAUTH_23.format(idp=idp_port))
    if not rootless:
        subprocess.run(["chown", "-R", "nobody:nogroup", str(d / "mail")], check=True)
    process = subprocess.Popen(
        [exe, "-c", str(d / "dovecot.conf"), "-F"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    instance = Dovecot(d, imap, imaps, str(d / "tls" / "server.crt"), process, version)
    _wait(instance)
    return instance


def _wait(instance: Dovecot) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if instance.process.poll() is not None:
            out = (
                instance.process.stdout.read().decode(errors="replace")
                if instance.process.stdout
                else ""
            )
            raise RuntimeError(f"dovecot exited ({instance.version}): {out}{instance.log()}")
        try:
            with socket.create_connection(("127.0.0.1", instance.imap_port), timeout=1) as s:
                s.settimeout(2)
                if s.recv(200).startswith(b"* OK"):  # accepting is not ready (knowledge G5)
                    return
        except OSError:
            time.sleep(0.03)
    instance.stop()
    raise RuntimeError(f"dovecot did not greet within 15 s: {instance.log()}")
