"""nginx from Debian's package, run by a test on a free 127.0.0.1 port with deploy/nginx.conf rendered into a temp
dir (its prefix: pid, temp folders), so it needs no /etc/nginx and no /var; its stdout (the access log, one line per
request naming the replica that answered) and stderr (the error log) are files in that dir.

    with NginxProcess(["127.0.0.1:7001", "127.0.0.1:7002"]) as lb:
        Client(lb.url) ...; lb.upstreams("/queue/join")
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.appserver import REPO, stop_process
from tests.fakes.process import free_port

TEMPLATE = REPO / "deploy" / "nginx.conf"
_UPSTREAM = re.compile(r'"\S+ (\S+) [^"]*" \d+ upstream=(\S+)')


def nginx_binary() -> str | None:
    """Debian's nginx (in /usr/sbin, which a non-root PATH may lack), or None."""
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    return found if os.access(found, os.X_OK) else None


def render(template: str, listen: str, servers: list[str]) -> str:
    """The template with its placeholders filled: the `server ${APP_SERVER};` line once per upstream address."""
    lines = []
    for line in template.splitlines():
        if line.lstrip().startswith("#"):
            lines.append(line)
        elif "${APP_SERVER}" in line:
            lines += [line.replace("${APP_SERVER}", address) for address in servers]
        else:
            lines.append(line.replace("${NGINX_LISTEN}", listen))
            assert "${" not in lines[-1], f"deploy/nginx.conf has a placeholder the test does not fill: {line}"
    return "\n".join(lines) + "\n"


class NginxProcess:
    """nginx in the foreground as a child process, balancing over `servers`; `url` once it answers."""

    def __init__(self, servers: list[str], timeout: float = 60.0):
        self.servers = servers
        self.timeout = timeout
        self.home = Path(tempfile.mkdtemp(prefix="llm-compare-nginx-"))
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> NginxProcess:
        # as root nginx's workers run as nobody: they must be able to enter the prefix for the temp folders
        self.home.chmod(0o755)
        port = free_port()
        conf = self.home / "nginx.conf"
        conf.write_text(render(TEMPLATE.read_text(), f"127.0.0.1:{port}", self.servers))
        with open(self.home / "access.log", "w") as out, open(self.home / "error.log", "w") as err:
            self.proc = subprocess.Popen(
                [nginx_binary(), "-p", str(self.home), "-c", str(conf), "-e", "stderr", "-g", "daemon off;"],
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
            )
        self.url = f"http://127.0.0.1:{port}/"
        self._wait_until_listening()
        return self

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.proc.returncode}:\n{self.error_log()}")
            try:
                urllib.request.urlopen(self.url, timeout=10).close()
                return
            except urllib.error.HTTPError:
                return  # nginx answered (a replica's error is still an answer)
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"nginx did not answer within {self.timeout:.0f} s:\n{self.error_log()}"
                    ) from None
                time.sleep(0.1)

    def upstreams(self, path_part: str) -> list[str]:
        """The replica address of every logged request whose path contains `path_part` (logged once finished)."""
        text = (self.home / "access.log").read_text()
        return [m.group(2) for m in _UPSTREAM.finditer(text) if path_part in m.group(1)]

    def error_log(self) -> str:
        """nginx's error log so far (for failure messages)."""
        return (self.home / "error.log").read_text()[-3000:]

    def close(self) -> None:
        stop_process(self.proc)
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> NginxProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
