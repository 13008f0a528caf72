"""Command line: parse device options, start the listeners, write the ready file, stop on a signal."""

import argparse
import json
import logging
import os
import signal
import sys
import tempfile
import threading

from pansim import faults, tls
from pansim.device import KINDS, PANORAMA, Device, DeviceSpec
from pansim.factory import ConfigFileError, InterfaceSpec
from pansim.panorama import is_panorama_model
from pansim.server import DeviceServer
from pansim.versions import parse_version

LOG = logging.getLogger("pansim")

SPEC_KEYS = {
    "name", "port", "sw_version", "model", "serial", "hostname", "config",
    "username", "password", "interface", "commit_seconds", "kind", "managed",
}
FILE_KEYS = (SPEC_KEYS - {"username", "password", "interface"}) | {"admins", "interfaces", "faults"}
INTERFACE_KEYS = {"name", "ip", "zone", "virtual_router", "gateway"}
# In --device, "managed=fw1+fw2" lists several firewalls; the key may also repeat.
MANAGED_SEPARATOR = "+"


class UsageError(ValueError):
    """Raised for invalid device options. The message names the option and the reason."""


def _port(value, device):
    try:
        port = int(value)
    except (TypeError, ValueError):
        raise UsageError(f"device {device}: port {value!r} is not a number") from None
    if not 0 <= port <= 65535:
        raise UsageError(f"device {device}: port {port} is outside 0-65535")
    return port


def _commit_seconds(value, device):
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"device {device}: commit_seconds {value!r} is not a number") from None
    if seconds < 0:
        raise UsageError(f"device {device}: commit_seconds must not be negative")
    return seconds


def _check_version(value, device):
    try:
        parse_version(value)
    except ValueError as exc:
        raise UsageError(f"device {device}: {exc}") from None
    return value


def _kind_and_model(fields, name):
    """Return (kind, model) from the kind and model options, which must agree with each other."""
    kind = fields.get("kind")
    model = str(fields["model"]) if fields.get("model") is not None else None
    if kind is not None and kind not in KINDS:
        raise UsageError(f"device {name}: kind {kind!r} is not one of {', '.join(KINDS)}")
    if kind is not None and model is not None and (kind == PANORAMA) != is_panorama_model(model):
        raise UsageError(
            f"device {name}: kind {kind} does not match model {model!r}; "
            "a Panorama's model is Panorama or M-..., and a firewall's model is anything else"
        )
    return kind, model


def _build_spec(fields, admins, interfaces, managed):
    name = fields.get("name")
    if not name:
        raise UsageError("every device needs a name")
    if "port" not in fields:
        raise UsageError(f"device {name}: port is required (0 picks a free port)")

    kind, model = _kind_and_model(fields, name)
    spec = DeviceSpec(name=str(name), port=_port(fields["port"], name), kind=kind, model=model)
    for key in ("serial", "hostname", "config"):
        if fields.get(key) is not None:
            setattr(spec, key, str(fields[key]))
    if fields.get("sw_version") is not None:
        spec.sw_version = _check_version(str(fields["sw_version"]), name)
    if fields.get("commit_seconds") is not None:
        spec.commit_seconds = _commit_seconds(fields["commit_seconds"], name)
    if admins:
        spec.admins = admins
    if spec.is_panorama and interfaces:
        raise UsageError(f"device {name}: a Panorama has no data interfaces; remove interface(s)")
    if managed and not spec.is_panorama:
        raise UsageError(f"device {name}: only a Panorama manages devices; set kind=panorama or remove managed")
    spec.interfaces = interfaces
    # Names are resolved to serials once every device is known (resolve_managed).
    spec.managed = list(managed)
    return spec


def parse_device_option(text):
    """Parse ``name=hub,port=18443,...`` from ``--device``."""
    fields = {}
    managed = []
    for part in text.split(","):
        key, separator, value = part.partition("=")
        key = key.strip()
        if not separator or key not in SPEC_KEYS:
            raise UsageError(f"--device {text!r}: {part!r} is not one of {', '.join(sorted(SPEC_KEYS))} as key=value")
        if key == "managed":
            managed.extend(item.strip() for item in value.split(MANAGED_SEPARATOR) if item.strip())
            continue
        fields[key] = value.strip()

    admins = {fields.get("username", "admin"): fields.get("password", "admin")}
    interfaces = None
    if "interface" in fields:
        name, _, ip = fields["interface"].partition(":")
        interfaces = [InterfaceSpec(name, ip or None)]
    return _build_spec(fields, admins, interfaces, managed)


def _file_interfaces(entries, device):
    if entries is None:
        return None
    interfaces = []
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("name") or set(entry) - INTERFACE_KEYS:
            raise UsageError(f"device {device}: each interface needs name and only {sorted(INTERFACE_KEYS)}")
        interfaces.append(
            InterfaceSpec(
                str(entry["name"]),
                str(entry["ip"]) if entry.get("ip") else None,
                str(entry.get("zone") or "untrust"),
                str(entry.get("virtual_router") or "default"),
                str(entry["gateway"]) if entry.get("gateway") else None,
            )
        )
    return interfaces


def load_devices_file(path):
    """Read the ``devices:`` list of a YAML devices file."""
    import yaml

    try:
        with open(path, encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
    except OSError as exc:
        raise UsageError(f"cannot read devices file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"devices file {path} is not valid YAML: {exc}") from None

    if not isinstance(document, dict) or not isinstance(document.get("devices"), list):
        raise UsageError(f"devices file {path} must contain a 'devices' list")

    specs = []
    for entry in document["devices"]:
        if not isinstance(entry, dict):
            raise UsageError(f"devices file {path}: each device must be a mapping")
        unknown = set(entry) - FILE_KEYS
        if unknown:
            raise UsageError(f"devices file {path}: unknown keys {sorted(unknown)}; allowed: {sorted(FILE_KEYS)}")
        admins = entry.get("admins")
        if admins is not None and (not isinstance(admins, dict) or not admins):
            raise UsageError(f"devices file {path}: admins must map user names to passwords")
        admins = {str(user): str(password) for user, password in (admins or {}).items()}
        managed = entry.get("managed") or []
        if not isinstance(managed, list):
            raise UsageError(f"devices file {path}: managed must be a list of device names or serials")
        interfaces = _file_interfaces(entry.get("interfaces"), entry.get("name"))
        spec = _build_spec(entry, admins, interfaces, [str(item) for item in managed])
        # Faults are no DeviceSpec field: _start adds them to the device's fault table.
        spec.faults = _file_faults(entry.get("faults"), path, spec.name)
        specs.append(spec)
    return specs


def _file_faults(entries, path, device):
    """Check the ``faults`` list of one device in a devices file (see the Faults section of pansim/README.md)."""
    if entries is None:
        return []
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise UsageError(f"devices file {path}: device {device}: faults must be a list of mappings with fault, match and count")
    try:
        return [faults.parse_fault(entry) for entry in entries]
    except faults.FaultSpecError as exc:
        raise UsageError(f"devices file {path}: device {device}: {exc}") from None


def resolve_managed(specs):
    """Replace each Panorama's managed device names (or serials) by the serials of those firewalls."""
    by_name = {spec.name: spec for spec in specs}
    by_serial = {spec.resolved_serial: spec for spec in specs}
    for spec in specs:
        serials = []
        for item in spec.managed:
            managed = by_name.get(item) or by_serial.get(item)
            if managed is None:
                raise UsageError(f"device {spec.name}: managed device {item!r} is not the name or serial of a device")
            if managed.is_panorama:
                raise UsageError(f"device {spec.name}: managed device {item!r} is a Panorama; a Panorama manages firewalls")
            if managed.resolved_serial not in serials:
                serials.append(managed.resolved_serial)
        spec.managed = serials


def _check_unique(specs):
    names = [spec.name for spec in specs]
    ports = [spec.port for spec in specs if spec.port]
    serials = [spec.resolved_serial for spec in specs]
    if len(set(names)) != len(names):
        raise UsageError("device names must be unique")
    if len(set(serials)) != len(serials):
        raise UsageError("device serials must be unique")
    if len(set(ports)) != len(ports):
        raise UsageError("device ports must be unique")
    if not specs:
        raise UsageError("no devices: give --device or --devices")


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m pansim", description="Simulate PAN-OS firewalls over the XML API.")
    parser.add_argument("--tls-dir", required=True, help="directory for the generated CA (ca.pem) and server certificate")
    parser.add_argument("--devices", help="YAML file with a 'devices' list")
    parser.add_argument(
        "--device", action="append", default=[],
        help="name=NAME,port=PORT[,kind=firewall|panorama,sw_version=,model=,serial=,hostname=,config=,"
        "username=,password=,interface=IF:ADDR/LEN,commit_seconds=SECONDS,managed=NAME+NAME]; repeatable",
    )
    parser.add_argument("--log-file", help="request log file (default: standard error)")
    parser.add_argument("--ready-file", help="JSON file written once every listener is up")
    parser.add_argument("--output-dir", help="directory for <name>-running.xml and <name>-candidate.xml at exit")
    return parser


def _setup_logging(log_file):
    handler = logging.FileHandler(log_file, encoding="utf-8") if log_file else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    LOG.addHandler(handler)
    LOG.setLevel(logging.INFO)
    LOG.propagate = False


def write_ready_file(path, ca_path, servers):
    """Write the ready file atomically, so a reader never sees half of it."""
    document = {
        "pid": os.getpid(),
        "ca": os.path.abspath(ca_path),
        "devices": [
            {
                "name": server.device.name,
                "port": server.port,
                "url": server.url,
                "kind": server.device.spec.kind,
                "serial": server.device.serial,
            }
            for server in servers
        ],
    }
    directory = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(prefix=".pansim-ready-", dir=directory)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
    os.replace(temporary, path)


def write_outputs(directory, devices):
    os.makedirs(directory, exist_ok=True)
    for device in devices:
        with device.lock:
            device.advance()
            running, candidate = device.running_xml(), device.candidate_xml()
        for suffix, text in (("running", running), ("candidate", candidate)):
            with open(os.path.join(directory, f"{device.name}-{suffix}.xml"), "w", encoding="utf-8") as handle:
                handle.write(text)


def _collect_specs(args):
    specs = load_devices_file(args.devices) if args.devices else []
    specs.extend(parse_device_option(text) for text in args.device)
    _check_unique(specs)
    resolve_managed(specs)
    return specs


def _start(specs, tls_dir):
    files = tls.generate(tls_dir)
    context = tls.server_context(files)
    devices = [Device(spec) for spec in specs]
    for device in devices:
        for definition in getattr(device.spec, "faults", ()):
            faults.table_of(device).add(**definition)
    for device in devices:
        if device.is_panorama:
            device.connect_managed(devices)
    servers = []
    try:
        for device in devices:
            spec = device.spec
            server = DeviceServer(device, spec.port, context)
            servers.append(server)
            server.start()
            LOG.info(
                "device=%s listening on %s (%s, PAN-OS %s, %s, serial %s)",
                spec.name, server.url, spec.kind, spec.sw_version, spec.model, device.serial,
            )
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return files, servers


def main(argv=None):
    args = build_parser().parse_args(argv)
    _setup_logging(args.log_file)

    try:
        specs = _collect_specs(args)
        files, servers = _start(specs, args.tls_dir)
    except (UsageError, ConfigFileError) as exc:
        print(f"pansim: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"pansim: cannot start listeners: {exc}", file=sys.stderr)
        return 1

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    if args.ready_file:
        try:
            write_ready_file(args.ready_file, files.ca, servers)
        except OSError as exc:
            print(f"pansim: cannot write ready file {args.ready_file}: {exc}", file=sys.stderr)
            for server in servers:
                server.stop()
            return 1
    LOG.info("pansim ready with %d device(s)", len(servers))

    while not stop.wait(1.0):
        pass

    LOG.info("pansim stopping")
    for server in servers:
        server.stop()
    if args.output_dir:
        write_outputs(args.output_dir, [server.device for server in servers])
        LOG.info("configurations written to %s", args.output_dir)
    return 0
