"""Response headers every answer carries: a Content-Security-Policy, no caching of anything personal, HSTS
over HTTPS (#11 item 11).

Pages load scripts only from /static (no inline script, no ``on*`` attribute, no ``javascript:`` link: a
script injected into a page through some unescaped text cannot run). Styles may be inline: the BPMN viewer
styles the diagram's SVG through style attributes, and styles run no code. Every answer but /static is
``no-store``: the pages behind login and the API show personal data, and even the public ones carry a
session's CSRF token or, for the public lookup, a dossier's status. Routes that send files set their own
stricter policy (``FILE_POLICY``) and are left as they are.
"""
from __future__ import annotations

from flask import Flask, request

PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
               "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
               "frame-ancestors 'none'")
# A stored document opened in the browser anyway (a viewer that ignores Content-Disposition): nothing loads,
# nothing runs.
FILE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
HSTS = "max-age=31536000"  # a year; no includeSubDomains: other services of the agency's domain are not ours


def _protect(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", PAGE_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if not request.path.startswith("/static/"):
        headers.setdefault("Cache-Control", "no-store")
    if request.is_secure:  # HTTPS, seen directly or through the trusted proxies (proxy_hops)
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_protect)
