# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Connection to a PAN-OS device: the ``provider`` option, TLS, retries and device errors.

pan-os-python supplies the device object and its version; pan-python carries the
requests. pan-os-python 1.13 never passes an SSL context to pan-python, so it never
verifies certificates. ``_VerifyingFirewall`` hands one to every request, keygen included.
"""

from __future__ import annotations

import http.client
import os
import re
import ssl
import time
import traceback
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape as xml_escape

from ansible.module_utils.basic import env_fallback

try:
    import pan.xapi
    from panos import base as panos_base
    from panos import errors as panos_errors
    from panos import firewall as panos_firewall
    from panos import panorama as panos_panorama
except ImportError:
    HAS_PANOS = False
    PANOS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_PANOS = True
    PANOS_IMPORT_ERROR = None


PROVIDER_OPTIONS = dict(
    host=dict(type="str", fallback=(env_fallback, ["PANOS_HOSTNAME", "PANOS_HOST"])),
    port=dict(type="int", default=443, fallback=(env_fallback, ["PANOS_PORT"])),
    username=dict(type="str", default="admin", fallback=(env_fallback, ["PANOS_USERNAME"])),
    password=dict(type="str", no_log=True, fallback=(env_fallback, ["PANOS_PASSWORD"])),
    api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["PANOS_API_KEY"])),
    validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["PANOS_VALIDATE_CERTS"])),
    ca_path=dict(type="path", fallback=(env_fallback, ["PANOS_CA_PATH"])),
    timeout=dict(type="int", default=60, fallback=(env_fallback, ["PANOS_TIMEOUT"])),
    retries=dict(type="int", default=3, fallback=(env_fallback, ["PANOS_RETRIES"])),
    serial=dict(type="str", fallback=(env_fallback, ["PANOS_SERIAL"])),
)


def provider_options_without_env(host_required=False):
    """Return the provider options without the ``PANOS_*`` fallbacks, for a second device whose settings the environment must not fill."""
    options = {name: {key: value for key, value in spec.items() if key != "fallback"} for name, spec in PROVIDER_OPTIONS.items()}
    if host_required:
        options["host"]["required"] = True
    return options


PROVIDER_SPEC = dict(
    provider=dict(type="dict", default={}, apply_defaults=True, options=PROVIDER_OPTIONS),
)

# Messages that mean the request never reached the configuration: safe to send again.
_TRANSIENT_MARKERS = (
    "URLError",
    "timed out",
    "Connection refused",
    "Connection reset",
    "Remote end closed",
    "code: 500",
    "code: 502",
    "code: 503",
    "code: 504",
)


class DeviceError(Exception):
    """A failure reported by the device, carrying the device's own words and code.

    ``transport`` is true when the device could not be reached or did not respond, so
    the request may never have arrived.
    """

    def __init__(self, message, code=None, details=None, transport=False, rejected=True):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or []
        self.transport = transport
        # False when the message is this collection's own conclusion, not a device's rejection.
        self.rejected = rejected


class ConnectionSettingsError(ValueError):
    """Provider settings that cannot work, found before any request."""


def _build_ssl_context(provider):
    if not provider.get("validate_certs", True):
        return ssl._create_unverified_context()  # pylint: disable=protected-access
    context = ssl.create_default_context(cafile=provider.get("ca_path"))
    return context


if HAS_PANOS:

    class _VerifyingXapi:
        """Builds every pan-python client, keygen included, with our SSL context.

        A firewall reached through Panorama by serial number sends its requests to
        Panorama with Panorama's key and ``target=<serial>``, as pan-os-python does.
        """

        ssl_context = None

        def generate_xapi(self):
            panorama = None
            if self.serial is not None and self.hostname is None:
                try:
                    panorama = self.panorama()
                except panos_errors.PanDeviceNotSet:
                    panorama = None
            if panorama is not None:
                return panos_base.PanDevice.XapiWrapper(
                    api_key=panorama.api_key,
                    hostname=panorama.hostname,
                    port=panorama.port,
                    timeout=self.timeout,
                    serial=self.serial,
                    pan_device=self,
                    ssl_context=self.ssl_context,
                )
            return panos_base.PanDevice.XapiWrapper(
                api_key=self.api_key,
                hostname=self.hostname,
                port=self.port,
                timeout=self.timeout,
                pan_device=self,
                ssl_context=self.ssl_context,
            )

        def _retrieve_api_key(self):
            xapi = panos_base.PanDevice.XapiWrapper(
                pan_device=self,
                api_username=self._api_username,
                api_password=self._api_password,
                hostname=self.hostname,
                port=self.port,
                timeout=self.timeout,
                ssl_context=self.ssl_context,
            )
            xapi.keygen(retry_on_peer=False)
            return xapi.api_key

    class _VerifyingFirewall(_VerifyingXapi, panos_firewall.Firewall):
        """A firewall, reached directly or through Panorama by serial number."""

    class _VerifyingPanorama(_VerifyingXapi, panos_panorama.Panorama):
        """A Panorama, for template and template-stack scopes and as a route to firewalls."""


def _transport_errors():
    """Exceptions that mean the request or its reply was lost on the way.

    pan-python wraps a refused connection, but a time-out or a connection closed while
    reading the reply reaches us as the socket's or http.client's own exception.
    """
    return (pan.xapi.PanXapiError, panos_errors.PanDeviceError, OSError, http.client.HTTPException)


def _as_device_library_error(error):
    """Give a socket or HTTP exception the form of a pan-python error, with its class name if it has no text."""
    if isinstance(error, (pan.xapi.PanXapiError, panos_errors.PanDeviceError)):
        return error
    text = str(error).strip() or error.__class__.__name__
    if isinstance(error, TimeoutError) and "timed out" not in text:
        text = "timed out: %s" % text
    return pan.xapi.PanXapiError(text)


def _is_transient(error):
    """Return whether the request may not have reached the device. A refused key was read and rejected by the device."""
    if _key_refused(error):
        return False
    text = str(error)
    return any(marker in text for marker in _TRANSIENT_MARKERS)


def _device_error(error, provider=None, attempts=1):
    """Turn a pan-python or pan-os-python exception into a DeviceError."""
    message = str(error).strip() or error.__class__.__name__
    if "code: 403" in message or "Invalid Credential" in message:
        message += " (check provider.username and provider.password, or provider.api_key)"
    elif "CERTIFICATE_VERIFY_FAILED" in message:
        message += " (set provider.ca_path to the CA that signed the device's certificate)"
    elif _is_transient(error) and provider is not None:
        where = "%s:%s" % (provider.get("host"), provider.get("port") or 443)
        tries = " after %d attempts" % attempts if attempts > 1 else ""
        status = re.search(r"code: (5\d\d)", message)
        if status:
            # The device, or a proxy in front of it, returned a server error.
            return DeviceError(
                "PAN-OS at %s returned HTTP %s%s: %s (the device may be busy or restarting its management "
                "server; try again later)" % (where, status.group(1), tries, message),
                code=int(status.group(1)),
                transport=True,
            )
        return DeviceError(
            "could not reach PAN-OS at %s%s: %s (check provider.host, provider.port and that the device is up)"
            % (where, tries, message),
            transport=True,
        )
    code = None
    xapi = getattr(error, "xapi", None)
    if xapi is not None:
        code = getattr(xapi, "status_code", None)
    return DeviceError(message, code=code)


def check_provider(provider):
    """Reject provider settings that cannot work, before any request."""
    host = provider.get("host")
    if not host:
        raise ConnectionSettingsError("provider.host is missing: set provider.host or the PANOS_HOSTNAME environment variable")
    bare_port = host.count(":") == 1 and host.rsplit(":", 1)[1].isdigit()
    if "://" in host or "/" in host or bare_port:
        raise ConnectionSettingsError(
            "provider.host: %r must be a bare hostname or address, without a scheme, path or port; "
            "set provider.port for the port" % host
        )
    if not provider.get("api_key") and not provider.get("password"):
        raise ConnectionSettingsError(
            "provider.password or provider.api_key is required "
            "(or the PANOS_PASSWORD or PANOS_API_KEY environment variable)"
        )
    if provider.get("timeout") is not None and provider["timeout"] < 1:
        raise ConnectionSettingsError("provider.timeout: %s is invalid; give the seconds to wait, 1 or more" % provider["timeout"])
    if provider.get("retries") is not None and provider["retries"] < 0:
        raise ConnectionSettingsError("provider.retries: %s is invalid; give 0 or more" % provider["retries"])
    port = provider.get("port")
    if port is not None and not 1 <= port <= 65535:
        raise ConnectionSettingsError("provider.port: %s is out of range; allowed is 1 to 65535" % port)
    ca_path = provider.get("ca_path")
    if provider.get("validate_certs", True) and ca_path and not os.access(ca_path, os.R_OK):
        raise ConnectionSettingsError("provider.ca_path: %s does not exist or cannot be read" % ca_path)


# Devices whose configuration lock this process took; the engine's run_and_exit releases them
# when the task ends, also when it fails.
_HELD_LOCKS = []


def release_config_locks():
    """Release every configuration lock this process took. Return the errors, as text."""
    errors = []
    for device in list(_HELD_LOCKS):
        try:
            device.unlock_config()
        except DeviceError as error:
            errors.append(error.message)
        if device in _HELD_LOCKS:
            _HELD_LOCKS.remove(device)
    return errors


class Device:
    """An open API session to one firewall."""

    def __init__(self, provider, panorama=False):
        self.provider = provider
        self.panorama = panorama
        self.firewall = None
        self.requests = 0
        # The comment of the configuration lock this session takes, which distinguishes it from another run's lock.
        self.lock_comment = None

    def open(self):
        """Connect, get an API key if needed, and read the device's version."""
        if not HAS_PANOS:
            raise ImportError(PANOS_IMPORT_ERROR)
        provider = self.provider
        check_provider(provider)
        if self.panorama and provider.get("serial"):
            raise ConnectionSettingsError(
                "provider.serial selects a firewall behind Panorama, but template and template_stack are "
                "Panorama's own configuration; leave provider.serial unset for template scopes"
            )

        credentials = dict(
            api_username=provider.get("username") or "admin",
            api_password=provider.get("password"),
            # An empty key means none: AWX injects PANOS_API_KEY even when the credential has no key.
            api_key=provider.get("api_key") or None,
            port=provider.get("port") or 443,
        )
        context = _build_ssl_context(provider)
        if self.panorama or provider.get("serial"):
            device = _VerifyingPanorama(hostname=provider["host"], **credentials)
            device.timeout = provider.get("timeout") or 60
            device.ssl_context = context
            if provider.get("serial"):
                target = _VerifyingFirewall(serial=provider["serial"])
                target.timeout = device.timeout
                target.ssl_context = context
                device.add(target)
                device = target
        else:
            device = _VerifyingFirewall(hostname=provider["host"], **credentials)
            device.timeout = provider.get("timeout") or 60
            device.ssl_context = context
        self.firewall = device

        try:
            self._call(device.refresh_system_info)
        except KeyError as error:
            # pan-os-python's Firewall reads firewall-only fields, which a Panorama lacks.
            raise ConnectionSettingsError(
                "the device at %s did not respond like a firewall (no %s in its system info); if it is a "
                "Panorama, set template or template_stack, or provider.serial to reach a managed firewall"
                % (provider["host"], error)
            ) from None
        return self

    @property
    def version(self):
        """The PAN-OS version as a tuple of ints, such as (10, 2, 9)."""
        numbers = re.findall(r"\d+", str(self.firewall.version))[:3]
        return tuple(int(n) for n in numbers) + (0,) * (3 - len(numbers))

    @property
    def admin(self):
        return self.provider.get("username") or "admin"

    def _call(self, function, *args, **kwargs):
        """Call the device, retrying transient transport errors with backoff.

        ``function`` is looked up again on every attempt when it is given as a name of
        the pan-python client, so a renewed API key is used.
        """
        attempts = max(1, int(self.provider.get("retries") or 0) + 1)
        renewed = False
        attempt = 0
        while True:
            self.requests += 1
            try:
                return self._resolve(function)(*args, **kwargs)
            except _transport_errors() as raw:
                error = _as_device_library_error(raw)
                if not renewed and self._renew_key(error):
                    renewed = True
                    continue
                attempt += 1
                if attempt < attempts and _is_transient(error):
                    time.sleep(min(8.0, 0.5 * (2 ** (attempt - 1))))
                    continue
                raise _device_error(error, self.provider, attempt) from None

    def _resolve(self, function):
        if isinstance(function, str):
            return getattr(self.firewall.xapi, function)
        return function

    def _renew_key(self, error):
        """Get a new API key after the device refused the old one as expired or timed out.

        The device refuses such a request before acting on it, so sending it again is safe.
        Possible only with a password: a key given in the provider cannot be renewed.
        """
        if not _key_refused(error) or not self.provider.get("password") or self.provider.get("api_key"):
            return False
        # pan-os-python gets a new key on the next request once both caches are empty.
        device = self.firewall
        device._api_key = None  # pylint: disable=protected-access
        device._xapi_private = None  # pylint: disable=protected-access
        return True

    def get(self, xpath):
        """Read the candidate configuration at ``xpath``; return the ``<result>`` element."""
        return self._read("get", xpath)

    def show(self, xpath):
        """Read the running configuration at ``xpath``; return the ``<result>`` element."""
        return self._read("show", xpath)

    def _read(self, action, xpath):
        self._call(action, xpath=xpath)
        root = self.firewall.xapi.element_root
        result = root.find("result") if root is not None else None
        if result is None:
            result = ET.Element("result")
        return result

    def _send_once(self, send):
        """Call ``send(xapi)`` once, and once more after renewing a refused key; return ``(xapi, error)``.

        The device rejects a refused key before acting on the request, so the second call is
        safe for writes and commits too. ``error`` is the library's exception, or None.
        """
        for attempt in range(2):
            self.requests += 1
            xapi = self.firewall.xapi
            try:
                send(xapi)
            except _transport_errors() as raw:
                error = _as_device_library_error(raw)
                if attempt == 0 and self._renew_key(error):
                    continue
                return xapi, error
            return xapi, None
        raise AssertionError("unreachable")

    def multi_config(self, element_text, labels=None):
        """Send one all-or-nothing multi-config request.

        ``labels`` maps each action id to a description used in error messages.
        """
        query = {"type": "config", "action": "multi-config", "element": element_text}
        # A write is not retried after a transport error, because it is not known whether it landed.
        xapi, error = self._send_once(lambda xapi: xapi.ad_hoc(qs=query, modify_qs=True))
        if error is None:
            return xapi.element_root
        if not _is_transient(error):
            raise _multi_config_error(error, xapi, labels)
        status = re.search(r"code: (5\d\d)", str(error))
        if status:
            what = "PAN-OS returned HTTP %s to the configuration write" % status.group(1)
        else:
            what = "the connection to PAN-OS failed during the configuration write"
        raise DeviceError(
            "%s, so it is not known whether the write landed: %s" % (what, error),
            code=int(status.group(1)) if status else None,
            transport=True,
        )

    def op(self, cmd):
        self._call("op", cmd=cmd)
        return self.firewall.xapi.element_root

    def lock_config(self, comment, wait=0, interval=2.0):
        """Take the configuration lock, so no other session writes between this task's read and write.

        A lock held by someone else, or by another session of this administrator, is waited
        for up to ``wait`` seconds. Then the task fails with the holder and the lock's comment.
        """
        cmd = "<request><config-lock><add><comment>%s</comment></add></config-lock></request>" % xml_escape(comment)
        self.lock_comment = comment
        deadline = time.monotonic() + max(0, wait)
        while True:
            try:
                self._call("op", cmd=cmd)
            except DeviceError as error:
                if error.transport or not _lock_busy(error.message):
                    raise
                # A retried request whose first reply was lost finds this session's own lock.
                if self._own_lock_present():
                    _HELD_LOCKS.append(self)
                    return
                if time.monotonic() < deadline:
                    time.sleep(max(0.1, min(interval, deadline - time.monotonic())))
                    continue
                raise DeviceError(self._busy_lock_message(error.message, wait), code=error.code, rejected=False) from None
            _HELD_LOCKS.append(self)
            return

    def config_locks(self):
        """Return the configuration locks on the device as dicts with admin, comment and created."""
        root = self.op("<show><config-locks></config-locks></show>")
        locks = []
        for entry in root.iter("entry"):
            locks.append(
                {
                    "admin": entry.get("name"),
                    "comment": (entry.findtext("comment") or "").strip(),
                    "created": (entry.findtext("created") or "").strip(),
                }
            )
        return locks

    def _busy_lock_message(self, device_message, wait):
        holders = []
        try:
            holders = self.config_locks()
        except DeviceError:
            pass
        held = "; ".join(
            "held by %s%s%s" % (lock["admin"], " since %s" % lock["created"] if lock["created"] else "",
                                " with comment %r" % lock["comment"] if lock["comment"] else "")
            for lock in holders
        )
        waited = " after waiting %d seconds" % wait if wait else ""
        return (
            "the configuration lock is taken%s (%s%s). Another run or administrator is changing this device: "
            "wait for it, or raise lock_timeout (<topology>_lock_timeout in the roles). If that run was interrupted, remove its lock with "
            "'request config-lock remove' on the device once you are sure nobody is working"
            % (waited, device_message, "; " + held if held else "")
        )

    def _own_lock_present(self):
        """Return whether the device shows a lock of this administrator with this session's comment."""
        if not self.lock_comment:
            return False
        try:
            locks = self.config_locks()
        except DeviceError:
            return False
        return any(lock["admin"] == self.admin and lock["comment"] == self.lock_comment for lock in locks)

    def unlock_config(self):
        """Release this session's configuration lock, if the device still shows it.

        PAN-OS removes a lock by administrator, not by session. A commit may already have
        released this session's lock, and another run of the same administrator may have
        taken it since, so only a lock with this session's comment is removed.
        """
        if self in _HELD_LOCKS:
            _HELD_LOCKS.remove(self)
        if self.lock_comment and not self._own_lock_present():
            return
        try:
            self._call("op", cmd="<request><config-lock><remove></remove></config-lock></request>")
        except DeviceError as error:
            if "not currently locked" not in error.message:
                raise

    @property
    def holds_config_lock(self):
        return self in _HELD_LOCKS

    def revert_changes(self, admins):
        """Revert the uncommitted changes of ``admins`` in the candidate configuration."""
        members = "".join("<member>%s</member>" % xml_escape(name) for name in admins)
        self._call("op", cmd="<revert><config><partial><admin>%s</admin></partial></config></revert>" % members)

    def system_log(self, query, count):
        """Run a system log query through its log job; return the reply's root element."""
        self._call("log", log_type="system", nlogs=count, filter=query)
        return self.firewall.xapi.element_root

    def system_resources(self):
        """Return pan-os-python's parse of ``show system resources``: load, CPU and memory."""
        return self._call(self.firewall.show_system_resources)

    def commit(self, cmd, action=None):
        """Send a commit once. A refused key is renewed and the commit sent again; nothing else is retried."""
        xapi, error = self._send_once(lambda xapi: xapi.commit(cmd=cmd, action=action))
        if error is not None:
            raise _device_error(error, self.provider)
        return xapi.element_root


def _key_refused(error):
    """Return whether the device rejected the API key as invalid or expired, or the session timed out."""
    text = str(error)
    return "code: 403" in text or "Invalid Credential" in text or "Session timed out" in text


def _lock_busy(message):
    return "currently locked" in message or "already own a config lock" in message


def _multi_config_error(error, xapi, labels=None):
    """Collect the failed sub-responses of a multi-config reply, named by the action they belong to."""
    root = getattr(xapi, "element_root", None)
    details = []
    if root is not None:
        for sub in root.iter("response"):
            if sub is root or sub.get("status") != "error":
                continue
            lines = [" ".join(t.split()) for t in sub.itertext() if t.strip()]
            action = (labels or {}).get(sub.get("id"), "action %s" % sub.get("id"))
            details.append("%s failed with code %s: %s" % (action, sub.get("code"), " ".join(lines)))
    code = root.get("code") if root is not None else None
    if details:
        message = "the device rejected the write and applied none of it"
    else:
        message = str(error).strip()
    return DeviceError(message, code=code, details=details)
