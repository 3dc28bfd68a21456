"""`genecator serve`: bind, say where the studio is, and serve until Ctrl-C (which stops the
running job cleanly, resumable)."""

import ipaddress
import secrets
import socket
from collections.abc import Callable
from dataclasses import replace

import uvicorn

from modules.errors import ConfigError
from modules.serve.app import create_app
from modules.serve.studio import StudioOptions, build_studio


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(options: StudioOptions, host: str, port: int, say: Callable[[str], None]) -> None:
    """Serve the studio on host:port (0: any free port) until stopped."""
    loopback = is_loopback(host)
    token = options.token or (None if loopback else secrets.token_urlsafe(24))
    options = replace(options, token=token, loopback=loopback)
    listener = _listen(host, port)
    app = create_app(build_studio(options))
    bound_port = listener.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    query = f"?token={token}" if token else ""
    say(f"Genecator studio: http://{shown}:{bound_port}/{query}")
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5)
    uvicorn.Server(config).run(sockets=[listener])


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        listener.close()
        msg = f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port"
        raise ConfigError(msg) from None
    listener.listen(128)
    return listener
