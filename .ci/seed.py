#!/usr/bin/env python3
"""Seeds a small world on a running server for schemathesis and prints what it made.

Usage: seed.py BASE_URL ADMIN_EMAIL ADMIN_PASSWORD TOKENS_FILE IDS_FILE
The admin must exist already (stapvoorstap create-admin).

TOKENS_FILE gets "role token" lines (admin last: its run is not pinned to the world, so its
erasures and disabled accounts cannot take the world away from the other roles' runs).
IDS_FILE gets shell `export NAME=value` lines with real ids: a team with a caseworker, a
volunteer and a researcher; a resident with an activated app, a plan (three steps at a time, one
of them handed to the volunteer), a document sent for a step, a device, an appointment; a second resident
without a plan (for the driegesprek's preview and plan creation).
"""
import datetime
import json
import sys
import urllib.request
import uuid

base, admin_email, admin_password, tokens_file, ids_file = sys.argv[1:6]
PASSWORD = "lange zin met woorden 42"
PIN = "48213"


def call(method, path, body=None, token=None, raw=None, content_type=None, headers=None):
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("content-type", content_type or "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    if method in ("POST", "PUT", "PATCH", "DELETE"):
        req.add_header("idempotency-key", str(uuid.uuid4()))
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read() or b"null")


def login(username, password):
    return call("POST", "/v1/auth/login", {"username": username, "password": password})["access_token"]


admin = login(admin_email, admin_password)
team = call("POST", "/v1/teams", {"name": "Fuzz team"}, admin)["id"]
tokens = {}
users = {}
for role in ["caseworker", "volunteer", "researcher"]:
    email = f"fuzz-{role}@example.org"
    body = {"email": email, "display_name": f"Fuzz {role}", "role": role, "team_ids": [team], "password": PASSWORD}
    if role == "caseworker":
        body["discipline"] = "generalist"
    users[role] = call("POST", "/v1/users", body, admin)["id"]
    tokens[role] = login(email, PASSWORD)
cw = tokens["caseworker"]

created = call("POST", "/v1/residents", {"display_name": "Fuzz", "team_id": team}, cw)
resident = created["resident"]["id"]
plan = call("POST", f"/v1/residents/{resident}/plans", {"intake": {"renter": True}, "dose": 3}, cw)
activated = call("POST", "/v1/auth/activate", {"code": created["activation"]["activation_code"], "pin": PIN})
tokens["resident"] = activated["access_token"]
mine = call("GET", "/v1/me/steps/current", token=tokens["resident"])["steps"]
my_step = next(s for s in mine if not s["urgent"])["id"]

# A step handed to the volunteer (an open one the resident does not own).
staff_step = next(s for s in plan["steps"] if s["status"] == "open" and s["id"] != my_step)
handed = call(
    "PATCH",
    f"/v1/steps/{staff_step['id']}",
    {"owner": {"type": "volunteer", "user_id": users["volunteer"]}},
    cw,
    headers={"if-match": staff_step["etag"]},
)

pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"A" * 2000 + b"\n%%EOF\n"
# A step that asks for a document (a custom one; urgent, so it opens at once).
with_doc = call(
    "POST",
    f"/v1/plans/{plan['id']}/steps",
    {"category": "papieren", "title": {"nl": "Stuur je huurcontract"}, "evidence": "document", "priority": "P0"},
    cw,
)
doc_step = next(s for s in with_doc["steps"] if s["title"] == "Stuur je huurcontract")["id"]
document = call("POST", f"/v1/me/steps/{doc_step}/documents", token=tokens["resident"], raw=pdf, content_type="application/pdf")["id"]
device = call("POST", "/v1/me/devices", {"platform": "android", "token": "fuzz-device-token-0123456789"}, tokens["resident"])["id"]
second = call("POST", "/v1/residents", {"display_name": "Fuzz twee", "team_id": team}, cw)["resident"]["id"]
soon = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3)).replace(microsecond=0)
appointment = call(
    "POST",
    f"/v1/plans/{plan['id']}/appointments",
    {"starts_at": soon.isoformat().replace("+00:00", "Z"), "duration_minutes": 45, "kind": "office", "place": "Buurtteam Noord"},
    cw,
)["id"]
template = call("GET", "/v1/templates", token=cw)[0]["id"]

ids = {
    "SVS_TEAM_ID": team,
    "SVS_RESIDENT_ID": resident,
    "SVS_RESIDENT_NO_PLAN_ID": second,
    "SVS_PLAN_ID": plan["id"],
    "SVS_STEP_ID": handed["id"],
    "SVS_MY_STEP_ID": my_step,
    "SVS_DOCUMENT_ID": document,
    "SVS_DEVICE_ID": device,
    "SVS_TEMPLATE_ID": template,
    "SVS_USER_ID": users["volunteer"],
    "SVS_APPOINTMENT_ID": appointment,
}
with open(ids_file, "w") as f:
    for k, v in ids.items():
        f.write(f"export {k}={v}\n")
tokens["admin"] = admin
with open(tokens_file, "w") as f:
    for role, token in tokens.items():
        f.write(f"{role} {token}\n")
