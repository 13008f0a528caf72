# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWX / Automation Controller support, end to end.

The credential type is injected the way AWX injects it (Jinja in a sandbox, files
for ``tower.filename``) and a real module runs with nothing but that environment
against pansim. playbooks/awx_setup.yml and playbooks/awx_workflow.yml run against
FakeAwx, an in-memory AWX API v2 on 127.0.0.1.
"""

import copy
import itertools
import json
import os
import re
import secrets
import stat
import subprocess
import tempfile
import threading
import types
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from conftest import COLLECTIONS, REPO, VENV_BIN, Pansim, PlaybookRun, free_port, make_inventory

CREDENTIAL_TYPES = os.path.join(REPO, "awx", "credential_types")
WORKFLOW_DEFINITION = os.path.join(REPO, "awx", "workflows", "hub_and_spoke.yml")
HUB_AND_SPOKE_PLAYBOOK = os.path.join(REPO, "playbooks", "hub_and_spoke.yml")
SETUP_PLAYBOOK = os.path.join(REPO, "playbooks", "awx_setup.yml")
WORKFLOW_PLAYBOOK = os.path.join(REPO, "playbooks", "awx_workflow.yml")
FIREWALL_SERIAL = "007951000654321"


def load_yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def base_environment():
    """The environment of every playbook run here, without PANOS_*, IPSEC_* or CONTROLLER_* variables."""
    environment = {
        "PATH": VENV_BIN + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "ANSIBLE_CONFIG": os.path.join(REPO, "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
    }
    return environment


def run_ansible_playbook(playbook, environment, *extra, inventory=None):
    command = [os.path.join(VENV_BIN, "ansible-playbook"), playbook] + list(extra)
    if inventory:
        command[1:1] = ["-i", inventory]
    completed = subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=600, check=False)
    return PlaybookRun(completed)


# -- AWX credential injection -------------------------------------------------


def inject_credential(credential_type, inputs, private_data_dir):
    """Return the environment variables AWX sets for a credential of ``credential_type``.

    This follows AWX's injection. Empty inputs are left out of the template namespace,
    and a boolean input the credential never set counts as False. Each file template
    is written to a file of its own (mode 0600), named by ``tower.filename.<name>``.
    Every template renders in Jinja's immutable sandbox.
    """
    namespace = {}
    for field_id, value in inputs.items():
        if isinstance(value, bool) or value:
            namespace[field_id] = value
    for field in credential_type["inputs"].get("fields", []):
        if field.get("type") == "boolean" and field["id"] not in inputs:
            namespace[field["id"]] = False

    sandbox = ImmutableSandboxedEnvironment()
    env_dir = os.path.join(private_data_dir, "env")
    os.makedirs(env_dir, exist_ok=True)
    single_file = None
    named_files = {}
    for label, template in credential_type["injectors"].get("file", {}).items():
        descriptor, path = tempfile.mkstemp(dir=env_dir)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(sandbox.from_string(template).render(**namespace))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        if "." in label:
            named_files[label.split(".", 1)[1]] = path
        else:
            single_file = path
    namespace["tower"] = types.SimpleNamespace(filename=single_file or types.SimpleNamespace(**named_files))

    environment = {}
    for name, template in credential_type["injectors"].get("env", {}).items():
        environment[name] = sandbox.from_string(template).render(**namespace)
    return environment


@pytest.fixture(scope="module")
def panos_type():
    return load_yaml(os.path.join(CREDENTIAL_TYPES, "panos.yml"))


@pytest.fixture(scope="module")
def psk_type():
    return load_yaml(os.path.join(CREDENTIAL_TYPES, "ipsec_psk.yml"))


def test_injection_defaults_match_module_defaults(panos_type, tmp_path):
    import sys

    if COLLECTIONS not in sys.path:
        sys.path.insert(0, COLLECTIONS)
    from ansible_collections.ipsec.panos.plugins.module_utils._connection import PROVIDER_OPTIONS

    environment = inject_credential(panos_type, {"host": "fw1.example.net", "password": "secret"}, str(tmp_path))

    assert environment["PANOS_PORT"] == str(PROVIDER_OPTIONS["port"]["default"])
    assert environment["PANOS_USERNAME"] == PROVIDER_OPTIONS["username"]["default"]
    assert environment["PANOS_TIMEOUT"] == str(PROVIDER_OPTIONS["timeout"]["default"])
    assert environment["PANOS_RETRIES"] == str(PROVIDER_OPTIONS["retries"]["default"])
    assert environment["PANOS_VALIDATE_CERTS"] == "true"
    assert PROVIDER_OPTIONS["validate_certs"]["default"] is True
    assert environment["PANOS_CA_PATH"] == ""
    assert environment["PANOS_API_KEY"] == ""
    assert environment["PANOS_SERIAL"] == ""


def test_injection_writes_ca_file(panos_type, tmp_path):
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

    environment = inject_credential(panos_type, {"host": "fw1", "password": "x", "ca_certificate": pem}, str(tmp_path))

    path = environment["PANOS_CA_PATH"]
    assert os.path.dirname(path) == os.path.join(str(tmp_path), "env")
    with open(path, encoding="utf-8") as handle:
        assert handle.read() == pem
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_injection_psk(psk_type, tmp_path):
    assert inject_credential(psk_type, {"psk": "k3y"}, str(tmp_path)) == {"IPSEC_PSK": "k3y"}


# -- the PAN-OS credential against pansim --------------------------------------

ENV_ONLY_PLAYBOOK = """\
- name: Use nothing but the credential's environment
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Create a profile
      ipsec.panos.ike_crypto_profile:
        config:
          - name: awx-credential
            encryption: [aes-256-gcm]
            hash: [non-auth]
            dh_group: [group20]
            lifetime: 8h
      when: write | default(false) | bool

    - name: Read the profiles
      ipsec.panos.ike_crypto_profile:
        state: gathered
      register: profiles

    - name: Show their names
      ansible.builtin.debug:
        msg: "profiles: {{ profiles.gathered | map(attribute='name') | sort | join(',') }}"
"""


@pytest.fixture(scope="module")
def devices(tmp_path_factory, password):
    workdir = str(tmp_path_factory.mktemp("pansim-awx"))
    devices = {
        "fw": {"port": free_port(), "ip": "198.51.100.7/24", "serial": FIREWALL_SERIAL},
        "panorama": {"port": free_port(), "kind": "panorama", "managed": ["fw"]},
    }
    sim = Pansim(workdir, devices, password).start()
    yield sim
    sim.stop()


def run_with_credential(credential_type, inputs, tmp_path, *extra):
    """Run ENV_ONLY_PLAYBOOK with the credential's environment and nothing else of PAN-OS."""
    playbook = os.path.join(str(tmp_path), "env_only.yml")
    with open(playbook, "w", encoding="utf-8") as handle:
        handle.write(ENV_ONLY_PLAYBOOK)
    environment = base_environment()
    environment.update(inject_credential(credential_type, inputs, os.path.join(str(tmp_path), "private")))
    return run_ansible_playbook(playbook, environment, *extra)


def firewall_inputs(sim, **changes):
    with open(sim.ca_path, encoding="utf-8") as handle:
        pem = handle.read()
    inputs = {
        "host": "127.0.0.1",
        "port": str(sim.devices["fw"]["port"]),
        "username": "admin",
        "password": sim.password,
        "ca_certificate": pem,
        "validate_certs": "true",
    }
    inputs.update(changes)
    return {key: value for key, value in inputs.items() if value is not None}


def gathered_profiles(run):
    """Return the profile names the playbook's last task printed."""
    return re.search(r"profiles: ([^\s\"]+)", run.stdout).group(1).split(",")


def test_credential_alone_writes_and_reads(devices, panos_type, tmp_path):
    run = run_with_credential(panos_type, firewall_inputs(devices), tmp_path, "-e", "write=true", "-vvv")

    assert run.returncode == 0, run.output
    assert run.recap()["localhost"]["changed"] == 1
    assert "awx-credential" in gathered_profiles(run)
    assert "<entry name=\"awx-credential\">" in devices.candidate("fw")
    assert devices.password not in run.output


def test_credential_with_api_key(devices, panos_type, tmp_path):
    inputs = firewall_inputs(devices, password=None, username=None, api_key=devices.key("fw"))

    run = run_with_credential(panos_type, inputs, tmp_path, "-vvv")

    assert run.returncode == 0, run.output
    assert "Suite-B-GCM-256" in gathered_profiles(run)
    assert devices.key("fw") not in run.output


def test_credential_without_ca_rejects_private_ca(devices, panos_type, tmp_path):
    run = run_with_credential(panos_type, firewall_inputs(devices, ca_certificate=None), tmp_path)

    assert run.returncode != 0
    assert "CERTIFICATE_VERIFY_FAILED" in run.output
    assert "provider.ca_path" in run.output


def test_credential_validate_certs_false(devices, panos_type, tmp_path):
    run = run_with_credential(panos_type, firewall_inputs(devices, ca_certificate=None, validate_certs="false"), tmp_path)

    assert run.returncode == 0, run.output
    assert "Suite-B-GCM-256" in gathered_profiles(run)


def test_credential_wrong_password_fails(devices, panos_type, tmp_path):
    wrong = "not-" + devices.password
    run = run_with_credential(panos_type, firewall_inputs(devices, password=wrong), tmp_path)

    assert run.returncode != 0
    assert "check provider.username and provider.password" in run.output
    assert wrong not in run.output


def test_credential_reaches_firewall_through_panorama(devices, panos_type, tmp_path):
    inputs = firewall_inputs(devices, port=str(devices.devices["panorama"]["port"]), serial=FIREWALL_SERIAL)

    run = run_with_credential(panos_type, inputs, tmp_path)

    assert run.returncode == 0, run.output
    assert "Suite-B-GCM-256" in gathered_profiles(run)
    with open(devices.log_path, encoding="utf-8") as handle:
        log = handle.read()
    assert "device=panorama target=%s" % FIREWALL_SERIAL in log


def test_workflow_jobs_with_both_credentials(demo_devices, panos_type, psk_type, tmp_path):
    """The check job and the apply job of the example workflow, as AWX would launch them.

    The environment comes from the two credentials only, and the survey answers arrive as
    extra variables with the types AWX gives them: strings for multiple choice and text,
    a list for multiple select.
    """
    marker = "PSKMARKER-" + secrets.token_hex(8)
    inventory = make_inventory(tmp_path, demo_devices)
    with open(demo_devices.ca_path, encoding="utf-8") as handle:
        pem = handle.read()
    environment = base_environment()
    environment.update(inject_credential(panos_type, {"host": "127.0.0.1", "password": demo_devices.password, "ca_certificate": pem}, str(tmp_path / "panos")))
    environment.update(inject_credential(psk_type, {"psk": marker}, str(tmp_path / "psk")))
    answers = json.dumps(
        {
            "hub_and_spoke_exclude": ["branch3"],
            "hub_and_spoke_spoke_to_spoke": "true",
            "hub_and_spoke_ike_version": "ikev2",
            "hub_and_spoke_commit": "true",
            "hub_and_spoke_commit_description": "CHG-4711",
        }
    )
    hosts = ("hub", "branch1", "branch2", "branch3")
    before = {host: (demo_devices.candidate(host), demo_devices.running(host)) for host in hosts}

    check = run_ansible_playbook(HUB_AND_SPOKE_PLAYBOOK, environment, "--check", "--diff", "-e", answers, inventory=inventory)

    assert check.returncode == 0, check.output
    assert check.recap()["hub"]["changed"] > 0
    assert {host: (demo_devices.candidate(host), demo_devices.running(host)) for host in hosts} == before

    apply = run_ansible_playbook(HUB_AND_SPOKE_PLAYBOOK, environment, "-e", answers, inventory=inventory)

    assert apply.returncode == 0, apply.output
    hub = demo_devices.running_tree("hub")
    gateways = sorted(e.get("name") for e in hub.findall("devices/entry/network/ike/gateway/entry"))
    assert gateways == ["gw-branch1", "gw-branch2"]
    assert demo_devices.running_tree("branch3").find("devices/entry/network/ike/gateway/entry") is None
    for run in (check, apply):
        assert marker not in run.output
        assert demo_devices.password not in run.output


# -- a fake AWX API -------------------------------------------------------------

# Writable fields of each object kind and their defaults, as AWX's API shows them.
# A field outside these is rejected with 400, which AWX would ignore: a typo in the
# playbooks then fails here instead of being dropped in silence.
FIELDS = {
    "organizations": {"name": None, "description": ""},
    "projects": {"name": None, "description": "", "organization": None},
    "inventories": {"name": None, "description": "", "organization": None},
    "execution_environments": {"name": None, "description": "", "image": ""},
    "credentials": {"name": None, "description": "", "organization": None, "credential_type": None},
    "credential_types": {"name": None, "description": "", "kind": None, "inputs": {}, "injectors": {}},
    "job_templates": {
        "name": None,
        "description": "",
        "job_type": "run",
        "inventory": None,
        "project": None,
        "playbook": "",
        "execution_environment": None,
        "diff_mode": False,
        "verbosity": 0,
        "forks": 0,
        "limit": "",
        "extra_vars": "",
        "ask_variables_on_launch": False,
        "survey_enabled": False,
    },
    "workflow_job_templates": {
        "name": None,
        "description": "",
        "organization": None,
        "inventory": None,
        "extra_vars": "",
        "allow_simultaneous": False,
        "ask_variables_on_launch": False,
        "survey_enabled": False,
    },
    "workflow_job_template_nodes": {"identifier": None, "unified_job_template": None, "all_parents_must_converge": False},
    "workflow_approval_templates": {"name": None, "description": "", "timeout": 0},
}
# Kinds the playbooks create through the list endpoint; the others are seeded by the tests.
CREATABLE = {"credential_types", "job_templates", "workflow_job_templates"}
REQUIRED = {
    "credential_types": ("name", "kind"),
    "job_templates": ("name", "project", "inventory", "playbook"),
    "workflow_job_templates": ("name",),
    "workflow_approval_templates": ("name",),
}
REFERENCES = {
    "organization": ("organizations",),
    "project": ("projects",),
    "inventory": ("inventories",),
    "execution_environment": ("execution_environments",),
    "credential_type": ("credential_types",),
    "unified_job_template": ("job_templates", "workflow_approval_templates"),
}
UNIFIED_JOB_TYPES = {"job_templates": "job", "workflow_approval_templates": "workflow_approval"}
SURVEY_TYPES = {"text": str, "textarea": str, "password": str, "multiplechoice": str, "multiselect": str, "integer": int, "float": float}


class ApiError(Exception):
    def __init__(self, status, payload):
        super().__init__(status)
        self.status = status
        self.payload = payload


class FakeAwx:
    """The part of AWX's REST API v2 that the awx_* playbooks use, in memory.

    Lists are paginated as AWX paginates them ({"count", "next", "previous",
    "results"}, page_size up to 200) and filter on exact field values. Ids come
    from one sequence, as unified job template ids do in AWX. Every request needs
    ``Authorization: Bearer <token>``. ``requests`` records (method, path) pairs.
    """

    def __init__(self, token):
        self.token = token
        self.tables = {kind: {} for kind in FIELDS}
        self.survey_specs = {}
        self.job_template_credentials = {}
        self.links = {}
        self.requests = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        awx = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                awx.serve(self, "GET")

            def do_POST(self):
                awx.serve(self, "POST")

            def do_PATCH(self):
                awx.serve(self, "PATCH")

            def do_PUT(self):
                awx.serve(self, "PUT")

            def do_DELETE(self):
                awx.serve(self, "DELETE")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # -- objects ------------------------------------------------------------

    def seed(self, table, **fields):
        """Store an object the playbooks expect to exist already, and return it."""
        with self._lock:
            return self._store(table, fields)

    def find(self, table, **filters):
        return [obj for obj in self.tables[table].values() if all(obj.get(k) == v for k, v in filters.items())]

    def writes(self):
        return [(method, path) for method, path in self.requests if method != "GET"]

    def _store(self, kind, fields):
        obj = copy.deepcopy(FIELDS[kind])
        obj.update(copy.deepcopy(fields))
        obj["id"] = next(self._ids)
        self.tables[kind][obj["id"]] = obj
        return obj

    def _lookup(self, kinds, pk):
        for kind in kinds:
            if pk in self.tables[kind]:
                return kind, self.tables[kind][pk]
        return None, None

    def _represent(self, kind, obj):
        representation = copy.deepcopy(obj)
        representation["type"] = kind[:-1] if kind != "inventories" else "inventory"
        representation["url"] = "/api/v2/%s/%d/" % (kind, obj["id"])
        representation["related"] = {}
        representation["summary_fields"] = {}
        if kind == "credential_types":
            representation["managed"] = False
        if kind == "workflow_job_template_nodes":
            for link in ("success_nodes", "failure_nodes", "always_nodes"):
                representation[link] = sorted(self.links.get((obj["id"], link), []))
            template_kind, template = self._lookup(REFERENCES["unified_job_template"], obj["unified_job_template"])
            if template is not None:
                representation["summary_fields"]["unified_job_template"] = {
                    "id": template["id"],
                    "name": template["name"],
                    "description": template["description"],
                    "unified_job_type": UNIFIED_JOB_TYPES[template_kind],
                }
        return representation

    def _check_fields(self, kind, body, creating):
        if not isinstance(body, dict):
            raise ApiError(400, {"detail": "JSON object expected"})
        unknown = sorted(set(body) - set(FIELDS[kind]))
        if unknown:
            raise ApiError(400, {name: ["not a field of %s" % kind] for name in unknown})
        if creating:
            missing = [name for name in REQUIRED.get(kind, ()) if body.get(name) in (None, "")]
            if missing:
                raise ApiError(400, {name: ["This field is required."] for name in missing})
        for name in body:
            if name in REFERENCES and body[name] is not None:
                # Django REST framework takes a primary key as a number or a string of digits.
                body[name] = primary_key(body[name], name)
                if self._lookup(REFERENCES[name], body[name])[1] is None:
                    raise ApiError(400, {name: ['Invalid pk "%s" - object does not exist.' % body[name]]})
        if kind == "credential_types" and "kind" in body and body["kind"] not in ("cloud", "net"):
            raise ApiError(400, {"kind": ["Must be 'cloud' or 'net', not %s" % body["kind"]]})
        if kind == "job_templates" and "job_type" in body and body["job_type"] not in ("run", "check"):
            raise ApiError(400, {"job_type": ['"%s" is not a valid choice.' % body["job_type"]]})

    def _check_unique(self, kind, obj):
        key = ("name", "kind") if kind == "credential_types" else ("name", "organization") if "organization" in obj else ("name",)
        for other in self.tables[kind].values():
            if other["id"] != obj.get("id") and all(other.get(k) == obj.get(k) for k in key):
                raise ApiError(400, {"__all__": ["%s with this %s already exists." % (kind, " and ".join(key))]})

    # -- requests -----------------------------------------------------------

    def serve(self, handler, method):
        parsed = urllib.parse.urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        with self._lock:
            self.requests.append((method, parsed.path))
            try:
                if handler.headers.get("Authorization") != "Bearer " + self.token:
                    raise ApiError(401, {"detail": "Authentication credentials were not provided."})
                body = json.loads(raw) if raw else {}
                status, payload = self._route(method, parsed.path, urllib.parse.parse_qs(parsed.query), body)
            except ApiError as error:
                status, payload = error.status, error.payload
            except ValueError as error:
                status, payload = 400, {"detail": "JSON parse error - %s" % error}
        handler.send_response(status)
        data = b"" if payload is None else json.dumps(payload).encode()
        if payload is not None:
            handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _route(self, method, path, query, body):
        match = re.fullmatch(r"/api/v2/(.*)", path)
        if not match:
            raise ApiError(404, {"detail": "Not found."})
        rest = match.group(1)
        routes = [
            (r"me/", {"GET": self._me}),
            (r"job_templates/(\d+)/credentials/", {"GET": self._credentials_list, "POST": self._credentials_attach}),
            (r"workflow_job_templates/(\d+)/survey_spec/", {"GET": self._survey_get, "POST": self._survey_post}),
            (r"workflow_job_templates/(\d+)/workflow_nodes/", {"GET": self._nodes_list, "POST": self._nodes_create}),
            (r"workflow_job_template_nodes/(\d+)/create_approval_template/", {"POST": self._approval_create}),
            (r"workflow_job_template_nodes/(\d+)/success_nodes/", {"GET": self._success_list, "POST": self._success_attach}),
            (r"([a-z_]+)/(\d+)/", {"GET": self._detail, "PATCH": self._update}),
            (r"([a-z_]+)/", {"GET": self._list, "POST": self._create}),
        ]
        for pattern, methods in routes:
            found = re.fullmatch(pattern, rest)
            if not found:
                continue
            if method not in methods:
                raise ApiError(405, {"detail": 'Method "%s" not allowed.' % method})
            args = [int(g) if g.isdigit() else g for g in found.groups()]
            return methods[method](*args, query=query, body=body)
        raise ApiError(404, {"detail": "Not found."})

    def _kind(self, kind):
        if kind not in FIELDS:
            raise ApiError(404, {"detail": "Not found."})
        return kind

    def _get(self, kind, pk):
        obj = self.tables[self._kind(kind)].get(pk)
        if obj is None:
            raise ApiError(404, {"detail": "Not found."})
        return obj

    def _page(self, kind, objects, query):
        page_size = min(int(query.get("page_size", ["25"])[0]), 200)
        page = int(query.get("page", ["1"])[0])
        filters = {k: v[0] for k, v in query.items() if k not in ("page", "page_size")}
        for name in filters:
            if name not in FIELDS[kind] and name != "id":
                raise ApiError(400, {"detail": "%s is not an allowed field name" % name})
        selected = [obj for obj in objects if all(str(obj.get(k)) == v for k, v in filters.items())]
        selected.sort(key=lambda obj: obj["id"])
        start = (page - 1) * page_size
        more = len(selected) > start + page_size
        return 200, {
            "count": len(selected),
            "next": "?page=%d&page_size=%d" % (page + 1, page_size) if more else None,
            "previous": None if page == 1 else "?page=%d&page_size=%d" % (page - 1, page_size),
            "results": [self._represent(kind, obj) for obj in selected[start:start + page_size]],
        }

    def _me(self, query, body):
        return 200, {"count": 1, "next": None, "previous": None, "results": [{"id": 1, "username": "admin"}]}

    def _list(self, kind, query, body):
        return self._page(self._kind(kind), self.tables[self._kind(kind)].values(), query)

    def _create(self, kind, query, body):
        if self._kind(kind) not in CREATABLE:
            raise ApiError(405, {"detail": 'Method "POST" not allowed.'})
        self._check_fields(kind, body, creating=True)
        candidate = dict(copy.deepcopy(FIELDS[kind]), **body)
        self._check_unique(kind, candidate)
        return 201, self._represent(kind, self._store(kind, body))

    def _detail(self, kind, pk, query, body):
        return 200, self._represent(kind, self._get(kind, pk))

    def _update(self, kind, pk, query, body):
        obj = self._get(kind, pk)
        self._check_fields(kind, body, creating=False)
        if kind == "credential_types" and "inputs" in body and body["inputs"] != obj["inputs"]:
            if self.find("credentials", credential_type=pk):
                raise ApiError(403, {"detail": "Modifications to inputs are not allowed for credential types that are in use"})
        candidate = dict(obj, **body)
        self._check_unique(kind, candidate)
        obj.update(copy.deepcopy(body))
        return 200, self._represent(kind, obj)

    def _credentials_list(self, pk, query, body):
        self._get("job_templates", pk)
        attached = [self.tables["credentials"][c] for c in self.job_template_credentials.get(pk, [])]
        return self._page("credentials", attached, query)

    def _credentials_attach(self, pk, query, body):
        self._get("job_templates", pk)
        credential = self._get("credentials", primary_key(body.get("id"), "id"))
        attached = self.job_template_credentials.setdefault(pk, [])
        if body.get("disassociate"):
            if credential["id"] in attached:
                attached.remove(credential["id"])
            return 204, None
        for other in attached:
            if other != credential["id"] and self.tables["credentials"][other]["credential_type"] == credential["credential_type"]:
                raise ApiError(400, {"error": "Cannot assign multiple credentials of the same type."})
        if credential["id"] not in attached:
            attached.append(credential["id"])
        return 204, None

    def _survey_get(self, pk, query, body):
        self._get("workflow_job_templates", pk)
        return 200, copy.deepcopy(self.survey_specs.get(pk, {}))

    def _survey_post(self, pk, query, body):
        self._get("workflow_job_templates", pk)
        check_survey_spec(body)
        self.survey_specs[pk] = copy.deepcopy(body)
        return 200, None

    def _nodes_list(self, pk, query, body):
        self._get("workflow_job_templates", pk)
        return self._page("workflow_job_template_nodes", self.find("workflow_job_template_nodes", workflow_job_template=pk), query)

    def _nodes_create(self, pk, query, body):
        self._get("workflow_job_templates", pk)
        self._check_fields("workflow_job_template_nodes", body, creating=True)
        identifier = body.get("identifier") or str(uuid.uuid4())
        if self.find("workflow_job_template_nodes", workflow_job_template=pk, identifier=identifier):
            raise ApiError(400, {"__all__": ["Workflow job template node with this identifier already exists."]})
        node = self._store("workflow_job_template_nodes", dict(body, identifier=identifier))
        node["workflow_job_template"] = pk
        return 201, self._represent("workflow_job_template_nodes", node)

    def _approval_create(self, pk, query, body):
        node = self._get("workflow_job_template_nodes", pk)
        self._check_fields("workflow_approval_templates", body, creating=True)
        template = self._store("workflow_approval_templates", body)
        node["unified_job_template"] = template["id"]
        return 201, self._represent("workflow_approval_templates", template)

    def _success_list(self, pk, query, body):
        self._get("workflow_job_template_nodes", pk)
        children = [self.tables["workflow_job_template_nodes"][c] for c in self.links.get((pk, "success_nodes"), [])]
        return self._page("workflow_job_template_nodes", children, query)

    def _success_attach(self, pk, query, body):
        parent = self._get("workflow_job_template_nodes", pk)
        child = self._get("workflow_job_template_nodes", primary_key(body.get("id"), "id"))
        if child["workflow_job_template"] != parent["workflow_job_template"] or child["id"] == pk:
            raise ApiError(400, {"error": "Relationship not allowed."})
        if self._reaches(child["id"], pk):
            raise ApiError(400, {"error": "Cycle detected."})
        children = self.links.setdefault((pk, "success_nodes"), [])
        if child["id"] not in children:
            children.append(child["id"])
        return 204, None

    def _reaches(self, start, goal):
        pending, seen = [start], set()
        while pending:
            node = pending.pop()
            if node == goal:
                return True
            seen.add(node)
            for (parent, _link), children in self.links.items():
                if parent == node:
                    pending.extend(c for c in children if c not in seen)
        return False


def primary_key(value, field):
    """Return ``value`` as an object id, as AWX reads ids: a number or a string of digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise ApiError(400, {field: ['"%s" is not a valid object id.' % (value,)]})


def check_survey_spec(spec):
    """Reject a survey spec as AWX's survey_spec endpoint does (the rules the example can break)."""
    for name, kind in (("name", str), ("description", str), ("spec", list)):
        if not isinstance(spec.get(name), kind):
            raise ApiError(400, {"error": "Field '%s' is missing from survey spec." % name})
    if not spec["spec"]:
        raise ApiError(400, {"error": "'spec' doesn't contain any items."})
    variables = set()
    for index, question in enumerate(spec["spec"]):
        for name in ("type", "question_name", "variable", "required"):
            if name not in question:
                raise ApiError(400, {"error": "'%s' missing from survey question %d" % (name, index)})
        if not isinstance(question["required"], bool):
            raise ApiError(400, {"error": "'required' in survey question %d expected to be boolean." % index})
        if question["variable"] in variables:
            raise ApiError(400, {"error": "'variable' '%s' duplicated in survey question %d." % (question["variable"], index)})
        variables.add(question["variable"])
        if question["type"] not in SURVEY_TYPES:
            raise ApiError(400, {"error": "'%s' in survey question %d is not an allowed question type." % (question["type"], index)})
        default = question.get("default", "")
        if default != "" and not isinstance(default, SURVEY_TYPES[question["type"]]):
            raise ApiError(400, {"error": "Default value %s in survey question %d has the wrong type." % (default, index)})
        if question["type"] in ("multiplechoice", "multiselect"):
            choices = question.get("choices")
            if not choices:
                raise ApiError(400, {"error": "Survey question %d of type %s must specify choices." % (index, question["type"])})
            choices = choices.splitlines() if isinstance(choices, str) else choices
            defaults = [d for d in str(default).splitlines() if d]
            if question["type"] == "multiplechoice" and len(defaults) > 1:
                raise ApiError(400, {"error": "Multiple Choice (Single Select) can only have one default value."})
            if any(d not in choices for d in defaults):
                raise ApiError(400, {"error": "Default choice must be answered from the choices listed."})


# -- playbooks/awx_setup.yml -------------------------------------------------------


@pytest.fixture
def token():
    return "TOKENMARKER" + secrets.token_hex(12)


@pytest.fixture
def awx(token):
    server = FakeAwx(token).start()
    yield server
    server.stop()


def controller_environment(awx, token):
    environment = base_environment()
    environment.update(CONTROLLER_HOST=awx.url, CONTROLLER_OAUTH_TOKEN=token)
    return environment


def test_setup_creates_credential_types(awx, token, panos_type, psk_type):
    run = run_ansible_playbook(SETUP_PLAYBOOK, controller_environment(awx, token))

    assert run.returncode == 0, run.output
    assert run.recap()["localhost"]["changed"] == 2
    for definition in (panos_type, psk_type):
        [stored] = awx.find("credential_types", name=definition["name"])
        assert stored["kind"] == definition["kind"]
        assert stored["description"] == definition["description"]
        assert stored["inputs"] == definition["inputs"]
        assert stored["injectors"] == definition["injectors"]
    assert "{{ host }}" in json.dumps(awx.find("credential_types", name=panos_type["name"])[0]["injectors"])


def test_setup_second_run_changes_nothing(awx, token):
    first = run_ansible_playbook(SETUP_PLAYBOOK, controller_environment(awx, token))
    writes = len(awx.writes())

    second = run_ansible_playbook(SETUP_PLAYBOOK, controller_environment(awx, token))

    assert first.returncode == 0, first.output
    assert second.returncode == 0, second.output
    assert second.recap()["localhost"]["changed"] == 0
    assert len(awx.writes()) == writes


def test_setup_updates_only_what_differs(awx, token, panos_type):
    run_ansible_playbook(SETUP_PLAYBOOK, controller_environment(awx, token))
    [stored] = awx.find("credential_types", name=panos_type["name"])
    stored["injectors"] = {"env": {"PANOS_HOSTNAME": "{{ host }}"}}
    writes = len(awx.writes())

    run = run_ansible_playbook(SETUP_PLAYBOOK, controller_environment(awx, token))

    assert run.returncode == 0, run.output
    assert run.recap()["localhost"]["changed"] == 1
    assert awx.writes()[writes:] == [("PATCH", "/api/v2/credential_types/%d/" % stored["id"])]
    assert stored["injectors"] == panos_type["injectors"]


def test_setup_reports_refused_change(awx, token, panos_type):
    run_ansible_playbook(SETUP_PLAYBOOK, controller_environment(awx, token))
    [stored] = awx.find("credential_types", name=panos_type["name"])
    stored["inputs"] = {"fields": [{"id": "host", "label": "Host", "type": "string"}]}
    awx.seed("credentials", name="fw1", credential_type=stored["id"])

    run = run_ansible_playbook(SETUP_PLAYBOOK, controller_environment(awx, token))

    assert run.returncode != 0
    assert "HTTP 403" in run.output
    assert "Modifications to inputs are not allowed for credential types that are in use" in run.output


def test_setup_check_mode_writes_nothing(awx, token):
    run = run_ansible_playbook(SETUP_PLAYBOOK, controller_environment(awx, token), "--check")

    assert run.returncode == 0, run.output
    assert run.recap()["localhost"]["changed"] == 2
    assert awx.writes() == []


def test_setup_hides_token(awx, token):
    run = run_ansible_playbook(SETUP_PLAYBOOK, controller_environment(awx, token), "-vvv")

    assert run.returncode == 0, run.output
    assert "Authorization" not in run.output
    assert token not in run.output


def test_setup_wrong_token_fails_without_showing_it(awx, token):
    environment = controller_environment(awx, token)
    environment["CONTROLLER_OAUTH_TOKEN"] = "WRONGTOKEN" + secrets.token_hex(8)

    run = run_ansible_playbook(SETUP_PLAYBOOK, environment, "-vvv")

    assert run.returncode != 0
    assert "HTTP 401" in run.output
    assert "CONTROLLER_OAUTH_TOKEN" in run.output
    assert environment["CONTROLLER_OAUTH_TOKEN"] not in run.output
    assert awx.writes() == []


def test_setup_without_token_fails(awx, token):
    environment = controller_environment(awx, token)
    del environment["CONTROLLER_OAUTH_TOKEN"]

    run = run_ansible_playbook(SETUP_PLAYBOOK, environment)

    assert run.returncode != 0
    assert "controller_oauthtoken" in run.output
    assert awx.requests == []


def test_setup_takes_variables(awx, token):
    environment = base_environment()

    run = run_ansible_playbook(SETUP_PLAYBOOK, environment, "-e", "controller_host=%s" % awx.url, "-e", "controller_oauthtoken=%s" % token)

    assert run.returncode == 0, run.output
    assert len(awx.find("credential_types")) == 2


# -- playbooks/awx_workflow.yml ----------------------------------------------------


def seed_workflow_objects(awx):
    """Store the objects awx_workflow.yml expects to exist, named as the definition names them."""
    existing = load_yaml(WORKFLOW_DEFINITION)["existing_objects"]
    organization = awx.seed("organizations", name=existing["organization"])
    panos = awx.seed("credential_types", name="PAN-OS (ipsec.panos)", kind="cloud")
    psk = awx.seed("credential_types", name="IPsec pre-shared key (ipsec.panos)", kind="cloud")
    objects = {
        "organization": organization,
        "project": awx.seed("projects", name=existing["project"], organization=organization["id"]),
        "inventory": awx.seed("inventories", name=existing["inventory"], organization=organization["id"]),
        "execution_environment": awx.seed("execution_environments", name=existing["execution_environment"]),
        "credentials": [
            awx.seed("credentials", name=existing["credentials"][0], credential_type=panos["id"], organization=organization["id"]),
            awx.seed("credentials", name=existing["credentials"][1], credential_type=psk["id"], organization=organization["id"]),
        ],
    }
    # Objects of the same names elsewhere, which the lookups must not pick.
    other = awx.seed("organizations", name="Other")
    awx.seed("projects", name=existing["project"], organization=other["id"])
    return objects


@pytest.fixture
def seeded(awx):
    return seed_workflow_objects(awx)


@pytest.fixture(scope="module")
def workflow_runs():
    """A first run of awx_workflow.yml on a controller without the workflow, then a second one, both at -vvv."""
    token = "TOKENMARKER" + secrets.token_hex(12)
    awx = FakeAwx(token).start()
    seeded = seed_workflow_objects(awx)
    first = run_ansible_playbook(WORKFLOW_PLAYBOOK, controller_environment(awx, token), "-vvv")
    writes = len(awx.writes())
    second = run_ansible_playbook(WORKFLOW_PLAYBOOK, controller_environment(awx, token), "-vvv")
    yield types.SimpleNamespace(awx=awx, token=token, seeded=seeded, first=first, second=second, first_writes=writes)
    awx.stop()


def workflow_graph(awx, workflow):
    """Return {identifier: (template name, [success identifiers])} of the workflow's nodes."""
    nodes = awx.find("workflow_job_template_nodes", workflow_job_template=workflow["id"])
    by_id = {node["id"]: node for node in nodes}
    graph = {}
    for node in nodes:
        _kind, template = awx._lookup(REFERENCES["unified_job_template"], node["unified_job_template"])
        children = sorted(by_id[c]["identifier"] for c in awx.links.get((node["id"], "success_nodes"), []))
        graph[node["identifier"]] = (template["name"] if template else None, children)
    return graph


def test_workflow_created(workflow_runs):
    awx, seeded = workflow_runs.awx, workflow_runs.seeded
    definition = load_yaml(WORKFLOW_DEFINITION)

    assert workflow_runs.first.returncode == 0, workflow_runs.first.output
    templates = {t["key"]: awx.find("job_templates", name=t["name"]) for t in definition["job_templates"]}
    [check], [apply] = templates["check"], templates["apply"]
    assert check["job_type"] == "check"
    assert check["diff_mode"] is True
    assert apply["job_type"] == "run"
    for template in (check, apply):
        assert template["playbook"] == "playbooks/hub_and_spoke.yml"
        assert template["project"] == seeded["project"]["id"]
        assert template["inventory"] == seeded["inventory"]["id"]
        assert template["execution_environment"] == seeded["execution_environment"]["id"]
        assert sorted(awx.job_template_credentials[template["id"]]) == sorted(c["id"] for c in seeded["credentials"])

    [workflow] = awx.find("workflow_job_templates", name=definition["workflow_job_template"]["name"])
    assert workflow["organization"] == seeded["organization"]["id"]
    assert workflow["survey_enabled"] is True
    assert awx.survey_specs[workflow["id"]] == definition["workflow_job_template"]["survey_spec"]

    approval = definition["workflow_nodes"][1]["approval"]
    assert workflow_graph(awx, workflow) == {
        "check": (check["name"], ["approve"]),
        "approve": (approval["name"], ["apply"]),
        "apply": (apply["name"], []),
    }
    [stored_approval] = awx.find("workflow_approval_templates", name=approval["name"])
    assert stored_approval["timeout"] == approval["timeout"]
    assert stored_approval["description"] == approval["description"]


def test_workflow_second_run_changes_nothing(workflow_runs):
    second = workflow_runs.second

    assert second.returncode == 0, second.output
    assert second.recap()["localhost"]["changed"] == 0
    assert workflow_runs.awx.writes()[workflow_runs.first_writes:] == []


def test_workflow_hides_token(workflow_runs):
    for run in (workflow_runs.first, workflow_runs.second):
        assert workflow_runs.token not in run.output
        assert "Authorization" not in run.output


def test_workflow_repairs_drift(awx, token, seeded):
    definition = load_yaml(WORKFLOW_DEFINITION)
    run_ansible_playbook(WORKFLOW_PLAYBOOK, controller_environment(awx, token))
    [check] = awx.find("job_templates", name=definition["job_templates"][0]["name"])
    check["job_type"] = "run"
    awx.job_template_credentials[check["id"]] = [seeded["credentials"][0]["id"]]
    [approval] = awx.find("workflow_approval_templates")
    approval["timeout"] = 0
    awx.links.clear()
    [workflow] = awx.find("workflow_job_templates")
    awx.survey_specs.pop(workflow["id"])

    run = run_ansible_playbook(WORKFLOW_PLAYBOOK, controller_environment(awx, token))

    assert run.returncode == 0, run.output
    assert check["job_type"] == "check"
    assert sorted(awx.job_template_credentials[check["id"]]) == sorted(c["id"] for c in seeded["credentials"])
    assert approval["timeout"] == definition["workflow_nodes"][1]["approval"]["timeout"]
    assert workflow_graph(awx, workflow)["check"][1] == ["approve"]
    assert workflow_graph(awx, workflow)["approve"][1] == ["apply"]
    assert awx.survey_specs[workflow["id"]] == definition["workflow_job_template"]["survey_spec"]
    assert len(awx.find("workflow_job_template_nodes")) == 3
    assert len(awx.find("workflow_approval_templates")) == 1


def test_workflow_missing_project_fails(awx, token, seeded):
    run = run_ansible_playbook(WORKFLOW_PLAYBOOK, controller_environment(awx, token), "-e", "workflow_project=absent")

    assert run.returncode != 0
    assert 'No projects named "absent"' in run.output
    assert awx.writes() == []


def test_workflow_check_mode_writes_nothing(awx, token, seeded):
    run = run_ansible_playbook(WORKFLOW_PLAYBOOK, controller_environment(awx, token), "--check")

    assert run.returncode == 0, run.output
    assert awx.writes() == []
    # The two job templates and the workflow job template; their nodes need the workflow's id.
    assert run.recap()["localhost"]["changed"] == 3
    assert run.stdout.count("not sending POST %s/api/v2/job_templates/" % awx.url) == 2
    assert run.stdout.count("not sending POST %s/api/v2/workflow_job_templates/" % awx.url) == 1


def test_workflow_check_mode_after_convergence(workflow_runs):
    awx = workflow_runs.awx
    writes = len(awx.writes())

    run = run_ansible_playbook(WORKFLOW_PLAYBOOK, controller_environment(awx, workflow_runs.token), "--check")

    assert run.returncode == 0, run.output
    assert run.recap()["localhost"]["changed"] == 0
    assert len(awx.writes()) == writes


def test_workflow_default_execution_environment(awx, token, seeded):
    run = run_ansible_playbook(WORKFLOW_PLAYBOOK, controller_environment(awx, token), "-e", "workflow_execution_environment=")

    assert run.returncode == 0, run.output
    for template in awx.find("job_templates"):
        assert template["execution_environment"] is None
