"""Who may talk to the studio: with a token, every request carries it (header, cookie or
?token=); bound to loopback, the Host must be a local name, so a web page elsewhere cannot
reach the studio through DNS rebinding."""

import hmac
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "genecator_token"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})


def _host_name(host: str) -> str:
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class AccessGuard:
    """ASGI middleware that refuses requests without the token or from a foreign Host."""

    def __init__(self, app: ASGIApp, token: str | None, loopback: bool) -> None:
        self.app = app
        self.token = token
        self.loopback = loopback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await JSONResponse({"detail": refusal[1]}, status_code=refusal[0])(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if self.token and query.get("token") and scope["path"] == "/":
            await self.app(scope, receive, _setting_cookie(send, self.token))
            return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str] | None:
        if self.loopback and _host_name(headers.get("host", "")) not in LOCAL_HOSTS:
            return 403, "this studio answers only on 127.0.0.1 or localhost"
        if self.token is None:
            return None
        offered = _offered_token(scope, headers)
        if offered is None or not hmac.compare_digest(offered, self.token):
            return 401, "this studio needs its token: open the address it printed at start"
        return None


def _offered_token(scope: Scope, headers: dict[str, str]) -> str | None:
    authorization = headers.get("authorization", "")
    if authorization.startswith("Bearer "):
        return authorization[len("Bearer ") :]
    cookie = SimpleCookie(headers.get("cookie", ""))
    if COOKIE in cookie:
        return cookie[COOKIE].value
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("token")
    return values[0] if values else None


def _setting_cookie(send: Send, token: str) -> Send:
    """`send` that adds the token cookie to the response, so the page's own requests carry it."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            cookie = f"{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"
            message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode())]
        await send(message)

    return wrapped
