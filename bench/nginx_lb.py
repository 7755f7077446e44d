"""Debian's nginx in front of several app processes, with its own config in a temporary folder (daemon off)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

# The deployed config would say `ip_hash;` (sticky by client address). Every benchmark visitor comes from 127.0.0.1,
# which ip_hash would send to one replica, so here each visitor carries its own X-Visitor header and nginx hashes
# that instead: still sticky (a Gradio session never changes process), but spread over the replicas.
CONF = """daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    log_format split '$http_x_visitor $upstream_addr';
    access_log {dir}/access.log split;
    client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy; fastcgi_temp_path {dir}/fcgi;
    uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
    upstream app {{
        {balance};
{servers}
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_buffering off;
            proxy_read_timeout 300s;
        }}
    }}
}}
"""


@contextmanager
def balancer(app_ports: list[int], port: int, balance: str = "hash $http_x_visitor"):
    """Run nginx on 127.0.0.1:`port` in front of the app ports; yields a function giving the visitors per replica."""
    folder = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in app_ports)
    (folder / "nginx.conf").write_text(CONF.format(dir=folder, balance=balance, servers=servers, port=port))
    proc = subprocess.Popen(
        [shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(folder), "-c", str(folder / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/", proc)
        yield lambda: _split(folder / "access.log")
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def _wait(url: str, proc: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited: {proc.stderr.read()[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=5).read(1)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("nginx did not answer")


def _split(log: Path) -> dict[str, int]:
    """How many distinct visitors each replica served (from the access log)."""
    seen = {tuple(line.split()[:2]) for line in log.read_text().splitlines() if len(line.split()) >= 2}
    return dict(Counter(addr for visitor, addr in seen if visitor != "-"))
