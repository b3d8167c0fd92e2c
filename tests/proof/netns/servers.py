"""Tiny HTTP servers run inside the test namespaces as standalone scripts (no repo imports):

``python servers.py identity NAME ADDRESS PORT``
    Answers every GET with ``{"server": NAME, "local": <address it was reached on>, "path"}``
    (stands in for the EC2 instance metadata service and other link-local services).
``python servers.py credentials ADDRESS PORT LOG ROLES_JSON``
    The ECS agent's task-credentials endpoint: ``GET /v2/credentials/<id>`` answers the
    temporary credentials of the role ``ROLES_JSON[<id>]`` (404 for any other path), and
    appends ``{"path", "client"}`` per request to ``LOG`` (a JSON line each).
"""

from __future__ import annotations

import datetime
import json
import socketserver
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def credentials_for(credential_id: str, role_arn: str) -> dict[str, str]:
    """Temporary credentials as the ECS agent serves them (an ISO8601 future Expiration)."""
    expiration = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    return {
        "RoleArn": role_arn,
        "AccessKeyId": "ASIA" + credential_id.upper().replace("-", "")[:16].ljust(16, "X"),
        "SecretAccessKey": f"task-secret-key-{credential_id}",
        "Token": f"task-session-token-{credential_id}",
        "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


class _Handler(BaseHTTPRequestHandler):
    mode = ""
    name = ""
    log_path = ""
    roles: dict[str, str] = {}

    def log_message(self, format: str, *args: object) -> None:
        return

    def _send(self, status: int, payload: object) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.mode == "identity":
            local = self.connection.getsockname()[0]
            self._send(200, {"server": self.name, "local": local, "path": self.path})
            return
        with open(self.log_path, "a") as log:
            log.write(json.dumps({"path": self.path, "client": self.client_address[0]}) + "\n")
        prefix = "/v2/credentials/"
        credential_id = self.path[len(prefix) :] if self.path.startswith(prefix) else ""
        if credential_id in self.roles:
            self._send(200, credentials_for(credential_id, self.roles[credential_id]))
        else:
            self._send(404, {"message": "no such credentials"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the address (socket.getfqdn): a DNS timeout in a
        # namespace without DNS. Nothing here needs the name.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


def main(argv: list[str]) -> None:
    mode = argv[0]
    if mode == "identity":
        _Handler.name, address, port = argv[1], argv[2], int(argv[3])
    elif mode == "credentials":
        address, port, _Handler.log_path = argv[1], int(argv[2]), argv[3]
        _Handler.roles = json.loads(argv[4])
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    _Handler.mode = mode
    _Server((address, port), _Handler).serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
