#!/usr/bin/env python3
"""Creates one user per role on a running server and prints "role token" lines.

Usage: tokens.py BASE_URL ADMIN_EMAIL ADMIN_PASSWORD
The admin must exist already (stapvoorstap create-admin).
"""
import json
import sys
import urllib.request

base, admin_email, admin_password = sys.argv[1:4]
PASSWORD = "lange zin met woorden 42"


def call(method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read() or b"null")


def login(username, password):
    return call("POST", "/v1/auth/login", {"username": username, "password": password})["access_token"]


admin = login(admin_email, admin_password)
team = call("POST", "/v1/teams", {"name": "Fuzz team"}, admin)["id"]
tokens = {"admin": admin}
for role in ["caseworker", "volunteer", "researcher"]:
    email = f"fuzz-{role}@example.org"
    body = {"email": email, "display_name": f"Fuzz {role}", "role": role, "team_ids": [team], "password": PASSWORD}
    if role == "caseworker":
        body["discipline"] = "generalist"
    call("POST", "/v1/users", body, admin)
    tokens[role] = login(email, PASSWORD)
created = call("POST", "/v1/residents", {"display_name": "Fuzz", "team_id": team}, tokens["caseworker"])
activated = call("POST", "/v1/auth/activate", {"code": created["activation"]["activation_code"], "pin": "48213"})
tokens["resident"] = activated["access_token"]
for role, token in tokens.items():
    print(role, token)
