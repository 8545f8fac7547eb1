"""A small OpenID Connect provider the tests start on a free port.

It does what a real provider does on the authorization code flow with PKCE: discovery, an
authorization endpoint that "signs in" whoever the test chose (`provider.person = ...`) and sends
the browser back with a code, a token endpoint that checks the client secret, the redirect URI and
the PKCE verifier before answering an RS256 ID token, and a JWKS. `misbehave` makes it answer
broken ID tokens, to prove Docket refuses them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


@dataclass
class Person:
    subject: str
    email: str
    email_verified: bool = True


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str
    person: Person


@dataclass
class OidcProvider:
    client_id: str = "docket-web"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    person: Person | None = None
    #: None, or one of "wrong-audience", "wrong-nonce", "wrong-issuer", "expired", "foreign-key"
    misbehave: str | None = None
    grants: dict[str, Grant] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))

    @property
    def issuer(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> OidcProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path == "/.well-known/openid-configuration":
                    self._json(200, provider.configuration())
                elif url.path == "/jwks":
                    self._json(200, provider.jwks())
                elif url.path == "/authorize":
                    status, headers = provider.authorize({k: v[0] for k, v in parse_qs(url.query).items()})
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if urlsplit(self.path).path == "/token":
                    status, body = provider.token(form)
                    self._json(status, body)
                else:
                    self._json(404, {"error": "not_found"})

            def _json(self, status: int, body: Any) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- the protocol ----------------------------------------------------------------------

    def configuration(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [{**jwk, "kid": "idp-1", "alg": "RS256", "use": "sig"}]}

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str]]:
        """The user (`self.person`) signs in and consents; the browser goes back with a code."""
        if query.get("response_type") != "code" or query.get("client_id") != self.client_id:
            return 400, {}
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 400, {}
        redirect = query["redirect_uri"]
        if self.person is None:
            back = {
                "error": "access_denied",
                "error_description": "The user cancelled",
                "state": query["state"],
            }
            return 302, {"Location": f"{redirect}?{urlencode(back)}"}
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(
            client_id=query["client_id"],
            redirect_uri=redirect,
            challenge=query["code_challenge"],
            nonce=query.get("nonce", ""),
            person=self.person,
        )
        return 302, {"Location": f"{redirect}?{urlencode({'code': code, 'state': query['state']})}"}

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        grant = self.grants.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or grant is None:
            return 400, {"error": "invalid_grant"}
        if form.get("client_id") != grant.client_id or form.get("client_secret") != self.client_secret:
            return 401, {"error": "invalid_client"}
        if form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
        verifier = form.get("code_verifier", "")
        computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if computed != grant.challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        return 200, {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "id_token": self._id_token(grant),
        }

    def _id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": grant.person.subject,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant.nonce,
            "email": grant.person.email,
            "email_verified": grant.person.email_verified,
        }
        key = self._key
        if self.misbehave == "wrong-audience":
            claims["aud"] = "someone-else"
        elif self.misbehave == "wrong-nonce":
            claims["nonce"] = "replayed"
        elif self.misbehave == "wrong-issuer":
            claims["iss"] = "https://evil.example"
        elif self.misbehave == "expired":
            claims["iat"], claims["exp"] = now - 900, now - 600
        elif self.misbehave == "foreign-key":
            key = rsa.generate_private_key(65537, 2048)
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "idp-1"})
