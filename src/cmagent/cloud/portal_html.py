"""The portal's pages: plain HTML and one inline style sheet (light and dark), no external
assets, no build step. Only the root page carries a few lines of script: the agent's link keeps
the resource in the URL's fragment, which browsers never send, so the page reads it and goes to
the overview (without script it offers the machine list)."""

from __future__ import annotations

import base64
import datetime
import hashlib
import html
from typing import Any
from urllib.parse import quote

from cmagent.cloud.http import Response

_STYLE = """
:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fff;--muted:#5f5f5f;--line:#dcdcdc;
--accent:#0f6cbd;--ok:#107c10;--warn:#8a6100;--bad:#c50f1f}
@media (prefers-color-scheme:dark){:root{--fg:#e8e8e8;--bg:#1f1f1f;--muted:#a8a8a8;
--line:#3d3d3d;--accent:#6cb8f6;--ok:#6ccb5f;--warn:#f2c661;--bad:#f1707b}}
body{font-family:system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:0}
header{display:flex;justify-content:space-between;align-items:center;padding:.6rem 1.5rem;
border-bottom:1px solid var(--line)}
header form{margin:0}main{padding:1rem 1.5rem;max-width:80rem}
a{color:var(--accent)}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid var(--line);
vertical-align:top}th{color:var(--muted);font-weight:600}
.status{font-weight:600}.Connected{color:var(--ok)}.Disconnected,.AwaitingConnection{color:var(--warn)}
.Expired,.Error{color:var(--bad)}.muted{color:var(--muted)}.tag{display:inline-block;
border:1px solid var(--line);border-radius:.8rem;padding:0 .5rem;margin:0 .2rem .2rem 0}
nav a{margin-right:.8rem}dl{display:grid;grid-template-columns:14rem 1fr;gap:.3rem 1rem}
dt{color:var(--muted)}dd{margin:0;word-break:break-all}
input{display:block;margin:.4rem 0;padding:.4rem;width:100%;max-width:24rem}
button{padding:.4rem 1rem}.error{color:var(--bad)}
"""


def _page(title: str, body: str, user: str = "", status: int = 200) -> Response:
    signout = (f"<form method='post' action='/portal/signout'><span class='muted'>"
               f"{html.escape(user)}</span> <button id='signout'>Sign out</button></form>"
               if user else "")
    response = Response.html(status, f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{html.escape(title)} - cmagent cloud portal</title><style>{_STYLE}</style></head>
<body><header><strong><a href="/portal">Azure Arc machines</a></strong>{signout}</header>
<main><h1>{html.escape(title)}</h1>{body}</main></body></html>""")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'unsafe-inline'; script-src {_ROOT_SCRIPT_HASH}; "
        "form-action 'self'; frame-ancestors 'none'")
    return response


# The root page's only script (no other script runs: the policy names it by its hash). A
# resource path of names only ('..' and empty segments are not followed).
_ROOT_SCRIPT = ("var m=location.hash.match(/^#@[^/]*\\/resource\\/((?:[\\w.()~-]+\\/)*"
                "[\\w.()~-]+)$/);"
                "if(m&&m[1].split('/').indexOf('..')<0){location.replace('/portal/resource/'"
                "+m[1]);}else{location.replace('/portal');}")
_ROOT_SCRIPT_HASH = "'sha256-" + base64.b64encode(
    hashlib.sha256(_ROOT_SCRIPT.encode()).digest()).decode() + "'"


def root() -> Response:
    return _page("Azure Arc machines", f"<script>{_ROOT_SCRIPT}</script><p><a href='/portal'>"
                                       "The machines</a></p>")


def signin(target: str, problem: str) -> Response:
    error = f"<p class='error' id='problem'>{html.escape(problem)}</p>" if problem else ""
    return _page("Sign in", f"""{error}<form method="post" action="/portal/signin">
<input type="hidden" name="next" value="{html.escape(target)}">
<label>User name<input id="login" name="login" autocomplete="username"></label>
<label>Password<input id="passwd" name="passwd" type="password"
autocomplete="current-password"></label><button id="signin">Sign in</button></form>""")


def machine_list(user: str, rows: list[dict[str, Any]], wanted: str,
                 statuses: list[str]) -> Response:
    filters = "".join(f"<a href='/portal?status={quote(s)}'>{html.escape(s)}</a>"
                      for s in statuses)
    head = ("<tr><th>Name</th><th>Status</th><th>Last heartbeat</th><th>Agent</th><th>OS</th>"
            "<th>Location</th><th>Tags</th></tr>")
    body = "".join(_row(r) for r in rows) or \
        "<tr><td colspan='7' class='muted'>No machines.</td></tr>"
    shown = f" ({html.escape(wanted)})" if wanted else ""
    return _page("Machines", f"<nav>Status: <a href='/portal'>All</a>{filters}</nav>"
                 f"<p class='muted' id='count'>{len(rows)} machine(s){shown}</p>"
                 f"<table id='machines'>{head}{body}</table>", user)


def _row(row: dict[str, Any]) -> str:
    link = f"/portal/resource{quote(row['id'])}/overview"
    return (f"<tr><td><a href='{link}'>{html.escape(row['name'])}</a><br>"
            f"<span class='muted'>{html.escape(row['group'])}</span></td>"
            f"<td>{_status(row)}</td><td>{_ago(row['lastHeartbeat'], row['now'])}</td>"
            f"<td>{html.escape(row['agentVersion'])}</td><td>{html.escape(row['os'])}</td>"
            f"<td>{html.escape(row['location'])}</td><td>{_tags(row['tags'])}</td></tr>")


def _status(row: dict[str, Any]) -> str:
    status = html.escape(row["status"])
    return f"<span class='status {status}'>{status}</span>"


def _ago(moment: float | None, now: float) -> str:
    if moment is None:
        return "<span class='muted'>never</span>"
    seconds = int(now - moment)
    if seconds < 120:
        text = f"{seconds} s ago"
    elif seconds < 7200:
        text = f"{seconds // 60} min ago"
    elif seconds < 172800:
        text = f"{seconds // 3600} h ago"
    else:
        text = f"{seconds // 86400} days ago"
    return f"<span title='{_time(moment)}'>{text}</span>"


def _time(moment: float) -> str:
    return datetime.datetime.fromtimestamp(moment, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _tags(tags: dict[str, str]) -> str:
    return "".join(f"<span class='tag'>{html.escape(k)}: {html.escape(v)}</span>"
                   for k, v in sorted(tags.items()))


def overview(user: str, machine: dict[str, Any]) -> Response:
    properties = [("Status", _status(machine)), ("Resource group", machine["group"]),
                  ("Subscription", machine["subscription"]), ("Location", machine["location"]),
                  ("Resource ID", machine["id"]), ("VM ID", machine["vmId"]),
                  ("Identity principal ID", machine["principalId"] or "none"),
                  ("Last heartbeat", _ago(machine["lastHeartbeat"], machine["now"])),
                  ("Agent version", machine["agentVersion"]), ("Operating system",
                                                                 machine["os"]),
                  ("OS version", machine["osVersion"]), ("Computer name", machine["fqdn"]),
                  ("Tags", _tags(machine["tags"]) or "none")]
    safe = {"Status", "Last heartbeat", "Tags"}
    rows = "".join(f"<dt>{name}</dt><dd>{value if name in safe else html.escape(str(value))}"
                   f"</dd>" for name, value in properties)
    history = "".join(f"<tr><td>{_time(at)}</td><td><span class='status {html.escape(s)}'>"
                      f"{html.escape(s)}</span></td><td>{html.escape(detail)}</td></tr>"
                      for at, s, detail in machine["history"])
    error = machine["lastError"]
    last = (f"<p id='last-error'><strong>{html.escape(str(error.get('code', '')))}</strong> "
            f"{html.escape(str(error.get('message', '')))}</p>" if error else
            "<p class='muted' id='last-error'>None reported.</p>")
    return _page(machine["name"], f"<dl id='properties'>{rows}</dl><h2>Status history</h2>"
                 f"<table id='history'><tr><th>Since</th><th>Status</th><th></th></tr>"
                 f"{history}</table><h2>Last error</h2>{last}", user)


def not_found(path: str) -> Response:
    return _page("Not found", f"<p>No machine you may read is at "
                 f"<code>{html.escape(path)}</code>.</p><p><a href='/portal'>The machines</a>"
                 "</p>", status=404)
