"""User text is escaped in every web page that shows it, wherever it was typed: project
names, people's names, key names, milestones, comments (tests/web/test_security.py
covers ticket texts on the ticket page and board, and the headers of each page)."""

from __future__ import annotations

import secrets

from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD, Server
from tests.security.world import sign_in

XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)><svg onload=alert(3)>'
RAW = ("<script>alert(1)", "<img src=x", "<svg onload")


def test_user_text_is_escaped_on_every_page_that_shows_it(server: Server) -> None:
    tag = secrets.token_hex(3)
    project = server.call(
        "Projects.addProject", {"values": {"name": f"{tag}{XSS}", "psettings": "all"}}
    )
    server.call("Projects.editUserProjectRelations", {"id": 1, "projects": [1, 2, 3, project]})
    server.call("Users.addUser", {"values": {"username": f"xss-{tag}@example.com",
                "password": "pw-" + secrets.token_hex(8), "role": "editor",
                "firstname": f"{tag}{XSS}", "lastname": XSS}})  # fmt: skip
    server.call("Api.Api.createAPIKey", {"values": {"name": f"{tag}{XSS}"[:60], "role": "editor"}})
    milestone = server.call(
        "Tickets.quickAddMilestone", {"params": {"headline": f"{tag}{XSS}", "projectId": project}}
    )
    ticket = server.add_ticket(projectId=project, headline=f"{tag}{XSS}", milestoneid=milestone,
                               editorId="1", tags=XSS)  # fmt: skip
    comment = {"values": {"text": f"{tag}{XSS}"}, "module": "ticket", "entityId": ticket}
    server.call("Comments.Comments.addComment", comment)

    client = sign_in(server.url, OWNER_EMAIL, OWNER_PASSWORD)
    pages = ["/", "/projects", f"/projects/{project}/board", f"/projects/{project}/milestones",
             f"/tickets/{ticket}", "/settings/users", "/settings/keys"]  # fmt: skip
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert tag in response.text, f"{path} does not show the text under test"
        for raw in RAW:
            assert raw not in response.text, f"{path} shows {raw!r} unescaped"
    client.close()
