"""HTTPS listeners: one ThreadingHTTPServer per device, bound to 127.0.0.1."""

import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from pansim import control, faults, vpn_runtime
from pansim.api import XML_CONTENT_TYPE

LOG = logging.getLogger("pansim")
API_PATHS = ("/api", "/api/")
LISTEN_ADDRESS = "127.0.0.1"
# Large enough for a multi-config of thousands of objects, small enough to stop runaway uploads.
MAX_BODY_BYTES = 64 * 1024 * 1024


def _first_values(pairs):
    return {name: values[0] for name, values in pairs.items()}


class ApiHandler(BaseHTTPRequestHandler):
    server_version = "pansim"
    sys_version = ""
    # Seconds a connection may stay idle, so clients that never send cannot pin a thread.
    timeout = 120

    def do_GET(self):
        self._serve(b"")

    def do_DELETE(self):
        self._serve(b"")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._send(413, "text/plain", b"request body too large\n")
            return
        self._serve(self.rfile.read(length) if length else b"")

    def _serve(self, body):
        url = urlsplit(self.path)
        control_path = url.path == control.LINK_PATH or url.path in control.FAULT_PATHS
        if url.path not in API_PATHS and not control_path:
            self._send(404, "text/plain", b"not found: use /api/\n")
            return
        if self.command == "DELETE" and url.path not in control.FAULT_PATHS:
            self._send(405, "text/plain", b"method DELETE is allowed only on /_pansim/fault\n")
            return

        params = _first_values(parse_qs(url.query, keep_blank_values=True))
        json_body = (self.headers.get("Content-Type") or "").startswith("application/json")
        if not json_body:
            form = _first_values(parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True))
            params.update(form)

        device = self.server.device
        with device.lock:
            if url.path == control.LINK_PATH:
                outcome = faults.Outcome(control.handle_link_request(device, self.command, params, self.headers))
            elif url.path in control.FAULT_PATHS:
                outcome = faults.Outcome(control.handle_fault_request(device, self.command, url.path, params, self.headers, body))
            else:
                outcome = faults.serve_api_request(device, params, self.headers, self.client_address[0])

        # A held request sleeps outside the device lock, so other requests still run.
        if outcome.hold > 0:
            time.sleep(outcome.hold)
        reply = outcome.reply
        if reply is None:
            # An injected drop or time-out: close the connection without a reply.
            self.close_connection = True
            return
        headers = dict(reply.headers)
        content_type = headers.pop("Content-Type", XML_CONTENT_TYPE)
        self._send(reply.http_status, content_type, reply.body.encode("utf-8"), headers)
        _log_request(device.name, self.client_address[0], reply)

    def _send(self, status, content_type, payload, headers=None):
        self.send_response(status, "Invalid Credential" if status == 403 else None)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        # The default access log prints the request line, and a GET request
        # line can carry the API key or a password, so it is not written.
        pass

    def log_error(self, format, *args):
        LOG.warning("device=%s client=%s HTTP error %s", self.server.device.name, self.client_address[0], args[0] if args else "")


def _field(value):
    """Quote a log field that contains spaces, such as op command words."""
    if value is None or value == "":
        return "-"
    text = str(value)
    return f'"{text}"' if " " in text else text


def _log_request(device_name, client, reply):
    """Log one line per request. A request routed by serial adds ``target=<serial>`` after the device."""
    device = f"{device_name} target={_field(reply.target)}" if reply.target else device_name
    LOG.info(
        "device=%s client=%s admin=%s type=%s action=%s xpath=%s status=%s code=%s http=%s",
        device,
        client,
        _field(reply.admin),
        _field(reply.request_type),
        _field(reply.action),
        _field(reply.xpath),
        reply.status,
        _field(reply.code),
        reply.http_status,
    )


class DeviceServer(ThreadingHTTPServer):
    """The HTTPS listener of one device."""

    daemon_threads = True

    def __init__(self, device, port, ssl_context):
        super().__init__((LISTEN_ADDRESS, port), ApiHandler)
        self.device = device
        # The firewalls served by one process reach each other's IKE gateways.
        vpn_runtime.PROCESS_FABRIC.add(device)
        # The TLS handshake runs in the request thread, so a slow client cannot stall accept().
        self.socket = ssl_context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        self._thread = None

    @property
    def port(self):
        return self.server_address[1]

    @property
    def url(self):
        return f"https://{LISTEN_ADDRESS}:{self.port}"

    def start(self):
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, name=f"pansim-{self.device.name}", daemon=True)
        self._thread.start()

    def stop(self):
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def handle_error(self, request, client_address):
        # TLS handshake failures and dropped connections end up here.
        LOG.warning("device=%s client=%s connection error", self.device.name, client_address[0], exc_info=LOG.isEnabledFor(logging.DEBUG))
