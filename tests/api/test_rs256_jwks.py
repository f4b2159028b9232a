"""An enterprise IdP's RS256 tokens, verified against its JWKS over HTTP."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from perfloop.api.core.auth import TokenVerifier
from perfloop.services.core.errors import NotAuthenticated
from perfloop.settings import Settings

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    jwk = json.loads(RSAAlgorithm.to_jwk(KEY.public_key())) | {"kid": "idp-1", "use": "sig"}
    body = json.dumps({"keys": [jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    server.shutdown()
    server.server_close()


def _token(key: rsa.RSAPrivateKey, **extra: object) -> str:
    claims = {
        "tenant": "demo",
        "email": "hr@demo.perfloop.dev",
        "iss": "https://idp.example",
        "aud": "perfloop",
        "exp": dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5),
    } | extra
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "idp-1"})


def _verifier(jwks_url: str) -> TokenVerifier:
    return TokenVerifier(
        Settings(
            jwt_algorithm="RS256",
            jwks_url=jwks_url,
            jwt_issuer="https://idp.example",
            jwt_audience="perfloop",
        )
    )


async def test_idp_token_is_accepted(jwks_url: str) -> None:
    claims = await _verifier(jwks_url).verify(f"Bearer {_token(KEY)}")
    assert claims is not None
    assert (claims.tenant, claims.user) == ("demo", "hr@demo.perfloop.dev")


@pytest.mark.parametrize(
    "token",
    [
        _token(OTHER_KEY),  # signed by someone else
        _token(KEY, aud="another-app"),
        _token(KEY, iss="https://evil.example"),
        jwt.encode(
            {"tenant": "demo", "email": "x", "exp": 9999999999}, "s" * 40, algorithm="HS256"
        ),
    ],
    ids=["wrong-key", "wrong-audience", "wrong-issuer", "hs256-downgrade"],
)
async def test_bad_idp_tokens_are_refused(jwks_url: str, token: str) -> None:
    with pytest.raises(NotAuthenticated):
        await _verifier(jwks_url).verify(f"Bearer {token}")
