# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWX / Automation Controller data: credential types, the workflow, the execution environment.

The credential type checks follow the validation that AWX's API applies to custom
credential types (CredentialTypeInputField and CredentialTypeInjectorField in
awx/main/fields.py of ansible/awx), so a definition that passes here is one AWX
accepts.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import types

import jsonschema
import pytest
import yaml
from bindep.depends import Depends
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_collections.ipsec.panos.plugins.module_utils._connection import PROVIDER_OPTIONS

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
CREDENTIAL_TYPE_FILES = {
    "panos": os.path.join(REPO, "awx", "credential_types", "panos.yml"),
    "ipsec_psk": os.path.join(REPO, "awx", "credential_types", "ipsec_psk.yml"),
}
WORKFLOW_FILE = os.path.join(REPO, "awx", "workflows", "hub_and_spoke.yml")
VENV_BIN = os.path.dirname(sys.executable)

# The provider option each PANOS_* variable carries, mapped to the credential input that fills it.
INPUT_OF_OPTION = {
    "host": "host",
    "port": "port",
    "username": "username",
    "password": "password",
    "api_key": "api_key",
    "validate_certs": "validate_certs",
    "ca_path": "ca_certificate",
    "timeout": "timeout",
    "retries": "retries",
    "serial": "serial",
}

# The JSON schemas AWX validates custom credential type inputs and injectors with.
INPUTS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "required": {"type": "array", "items": {"type": "string"}},
        "fields": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "label"],
                "properties": {
                    "type": {"enum": ["string", "boolean"]},
                    "format": {"enum": ["ssh_private_key", "url"]},
                    "choices": {"type": "array", "minItems": 1, "items": {"type": "string"}, "uniqueItems": True},
                    "id": {"type": "string", "pattern": "^[a-zA-Z_]+[a-zA-Z0-9_]*$"},
                    "label": {"type": "string"},
                    "help_text": {"type": "string"},
                    "multiline": {"type": "boolean"},
                    "secret": {"type": "boolean"},
                    "ask_at_runtime": {"type": "boolean"},
                    "default": {},
                },
            },
        },
    },
}
INJECTORS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "file": {
            "type": "object",
            "patternProperties": {r"^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$": {"type": "string"}},
            "additionalProperties": False,
        },
        "env": {
            "type": "object",
            "patternProperties": {"^[a-zA-Z_]+[a-zA-Z0-9_]*$": {"type": "string", "pattern": "^[\x00-\x7f]*$"}},
            "additionalProperties": False,
        },
        "extra_vars": {
            "type": "object",
            "patternProperties": {"^[a-zA-Z_]+[a-zA-Z0-9_]*$": {"type": "string"}},
            "additionalProperties": False,
        },
    },
}
# Environment variables AWX refuses to inject, besides every ANSIBLE_* name.
ENV_BLOCKLIST = {
    "VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID", "INVENTORY_UPDATE_ID",
    "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES", "CALLBACK_QUEUE", "CALLBACK_CONNECTION",
    "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS", "AWX_HOST", "PROJECT_REVISION", "SUPERVISOR_CONFIG_PATH",
}
SURVEY_TYPES = {"text": str, "textarea": str, "password": str, "multiplechoice": str, "multiselect": str, "integer": int, "float": float}


def load_yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module", params=sorted(CREDENTIAL_TYPE_FILES))
def credential_type(request):
    return load_yaml(CREDENTIAL_TYPE_FILES[request.param])


@pytest.fixture(scope="module")
def panos_type():
    return load_yaml(CREDENTIAL_TYPE_FILES["panos"])


@pytest.fixture(scope="module")
def workflow():
    return load_yaml(WORKFLOW_FILE)


def render_for_validation(template, credential_type):
    """Render ``template`` as AWX does when it saves a credential type.

    Every input is the string EXAMPLE and undefined names raise, so a template that
    names anything but an input or a ``tower.filename`` of a file injector fails.
    """
    namespace = {field["id"]: "EXAMPLE" for field in credential_type["inputs"]["fields"]}
    files = [label.split(".", 1)[1] for label in credential_type["injectors"].get("file", {}) if "." in label]
    namespace["tower"] = types.SimpleNamespace(filename=types.SimpleNamespace(**{name: "EXAMPLE_FILENAME" for name in files}))
    return ImmutableSandboxedEnvironment(undefined=StrictUndefined).from_string(template).render(namespace)


def injected_env(credential_type):
    return credential_type["injectors"].get("env", {})


# -- credential types ----------------------------------------------------------


def test_credential_type_top_level(credential_type):
    assert sorted(credential_type) == ["description", "injectors", "inputs", "kind", "name"]
    assert credential_type["kind"] in ("cloud", "net")
    assert credential_type["name"].endswith(" (ipsec.panos)")


def test_credential_type_inputs_valid(credential_type):
    inputs = credential_type["inputs"]
    jsonschema.validate(inputs, INPUTS_SCHEMA)

    ids = [field["id"] for field in inputs["fields"]]
    assert len(ids) == len(set(ids))
    assert "tower" not in ids
    assert set(inputs.get("required", [])) <= set(ids)
    for field in inputs["fields"]:
        # AWX stores a field without a type as a string field; stating it keeps the
        # stored definition equal to this file, which awx_setup.yml compares.
        assert field["type"] in ("string", "boolean"), field["id"]
        if field["type"] == "boolean":
            assert not {"choices", "multiline", "format", "secret"} & set(field), field["id"]
        if "default" in field:
            assert isinstance(field["default"], {"string": str, "boolean": bool}[field["type"]]), field["id"]
            assert field["default"] in field.get("choices", [field["default"]]), field["id"]


def test_credential_type_injectors_valid(credential_type):
    injectors = credential_type["injectors"]
    jsonschema.validate(injectors, INJECTORS_SCHEMA)

    for name in injected_env(credential_type):
        assert not name.startswith("ANSIBLE_"), name
        assert name not in ENV_BLOCKLIST, name
    for kind in injectors.values():
        for template in kind.values():
            render_for_validation(template, credential_type)


def test_credential_type_uses_every_input(credential_type):
    templates = " ".join(t for kind in credential_type["injectors"].values() for t in kind.values())
    for field in credential_type["inputs"]["fields"]:
        assert re.search(r"\b%s\b" % field["id"], templates), field["id"]


def test_injected_names_match_provider_fallbacks(panos_type):
    """The credential sets the first environment fallback of every provider option, and nothing else."""
    first_names = {}
    for option, spec in PROVIDER_OPTIONS.items():
        _function, names = spec["fallback"]
        first_names[names[0]] = option

    assert set(injected_env(panos_type)) == set(first_names)
    assert set(INPUT_OF_OPTION) == set(PROVIDER_OPTIONS)
    for name, option in first_names.items():
        template = injected_env(panos_type)[name]
        assert re.search(r"\b%s\b" % INPUT_OF_OPTION[option], template), (name, template)


def test_secret_options_have_secret_inputs(panos_type):
    fields = {field["id"]: field for field in panos_type["inputs"]["fields"]}
    for option, spec in PROVIDER_OPTIONS.items():
        assert fields[INPUT_OF_OPTION[option]].get("secret", False) is bool(spec.get("no_log")), option


def test_input_defaults_match_provider_defaults(panos_type):
    fields = {field["id"]: field for field in panos_type["inputs"]["fields"]}
    for option, spec in PROVIDER_OPTIONS.items():
        if "default" not in spec:
            assert "default" not in fields[INPUT_OF_OPTION[option]], option
            continue
        default = spec["default"]
        expected = str(default).lower() if isinstance(default, bool) else str(default)
        assert fields[INPUT_OF_OPTION[option]]["default"] == expected, option
        # AWX sets every env injector, also for an input the credential leaves empty,
        # so the template must fall back to the same default.
        assert "default('%s')" % expected in injected_env(panos_type)["PANOS_%s" % option.upper()], option


def test_ca_certificate_injected_as_file(panos_type):
    assert panos_type["injectors"]["file"] == {"template.ca_certificate": "{{ ca_certificate }}"}
    assert "tower.filename.ca_certificate" in injected_env(panos_type)["PANOS_CA_PATH"]
    fields = {field["id"]: field for field in panos_type["inputs"]["fields"]}
    assert fields["ca_certificate"]["multiline"] is True


def test_psk_credential_injects_ipsec_psk():
    psk = load_yaml(CREDENTIAL_TYPE_FILES["ipsec_psk"])
    assert injected_env(psk) == {"IPSEC_PSK": "{{ psk }}"}
    assert psk["inputs"]["fields"] == [dict(psk["inputs"]["fields"][0], secret=True)]
    assert psk["inputs"]["required"] == ["psk"]


def test_example_inventories_read_only_injected_names():
    injected = set()
    for path in CREDENTIAL_TYPE_FILES.values():
        injected |= set(injected_env(load_yaml(path)))
    inventories = os.path.join(REPO, "playbooks", "inventories")
    looked_up = set()
    for directory, _dirs, files in os.walk(inventories):
        for name in files:
            with open(os.path.join(directory, name), encoding="utf-8") as handle:
                looked_up |= set(re.findall(r"lookup\('ansible\.builtin\.env', '([A-Z0-9_]+)'\)", handle.read()))
    assert {"PANOS_PASSWORD", "PANOS_CA_PATH", "IPSEC_PSK"} <= looked_up
    assert looked_up <= injected


# -- the controller playbooks ------------------------------------------------------


def controller_task_files():
    files = [os.path.join(REPO, "playbooks", name) for name in ("awx_setup.yml", "awx_workflow.yml")]
    tasks_dir = os.path.join(REPO, "awx", "tasks")
    files += [os.path.join(tasks_dir, name) for name in sorted(os.listdir(tasks_dir))]
    return files


def walk_tasks(node):
    """Yield every task dict in a playbook or tasks file, blocks included."""
    if isinstance(node, list):
        for item in node:
            yield from walk_tasks(item)
    elif isinstance(node, dict):
        if "hosts" in node:
            for section in ("pre_tasks", "tasks", "post_tasks", "handlers"):
                yield from walk_tasks(node.get(section, []))
            return
        yield node
        for section in ("block", "rescue", "always"):
            yield from walk_tasks(node.get(section, []))


def test_token_only_in_hidden_uri_tasks():
    """Only ansible.builtin.uri tasks with no_log: true may put the token into a value."""
    uri_tasks = 0
    for path in controller_task_files():
        for task in walk_tasks(load_yaml(path)):
            where = (os.path.basename(path), task.get("name"))
            assert not [key for key in task if key in ("uri", "ansible.legacy.uri")], where
            if "ansible.builtin.uri" in task:
                uri_tasks += 1
                assert task.get("no_log") is True, where
                assert task["ansible.builtin.uri"]["headers"]["Authorization"] == "Bearer {{ awx_token }}", where
            else:
                # Checking the token's length prints only the condition, never the value.
                uses = re.findall(r"awx_token[^\"']*", json.dumps(task))
                assert all(use.startswith("awx_token | length") for use in uses), where
    assert uri_tasks == 1


# -- the hub-and-spoke workflow ----------------------------------------------------


def role_options(role):
    specs = load_yaml(os.path.join(REPO, "roles", role, "meta", "argument_specs.yml"))
    return specs["argument_specs"]["main"]["options"]


def test_workflow_job_templates(workflow):
    templates = {t["key"]: t for t in workflow["job_templates"]}
    assert sorted(templates) == ["apply", "check"]
    assert templates["check"]["job_type"] == "check"
    assert templates["check"]["diff_mode"] is True
    assert templates["apply"]["job_type"] == "run"
    for template in templates.values():
        assert os.path.isfile(os.path.join(REPO, template["playbook"])), template["playbook"]


def test_workflow_graph_checks_then_approves_then_applies(workflow):
    nodes = {node["identifier"]: node for node in workflow["workflow_nodes"]}
    assert len(nodes) == len(workflow["workflow_nodes"])
    for node in nodes.values():
        assert ("job_template" in node) != ("approval" in node), node["identifier"]
        for child in node.get("success_nodes", []):
            assert child in nodes, child

    roots = set(nodes) - {child for node in nodes.values() for child in node.get("success_nodes", [])}
    path = []
    current = roots.pop()
    assert not roots
    while current:
        path.append(current)
        children = nodes[current].get("success_nodes", [])
        assert len(children) <= 1
        current = children[0] if children else None
    assert [nodes[n].get("job_template", "approval") for n in path] == ["check", "approval", "apply"]
    assert set(path) == set(nodes)

    approval = nodes[path[1]]["approval"]
    assert sorted(approval) == ["description", "name", "timeout"]
    assert isinstance(approval["timeout"], int) and approval["timeout"] >= 0


def test_workflow_survey_valid(workflow):
    """The survey passes the checks of AWX's survey_spec endpoint."""
    survey = workflow["workflow_job_template"]["survey_spec"]
    assert isinstance(survey["name"], str)
    assert isinstance(survey["description"], str)
    assert survey["spec"]
    variables = [question["variable"] for question in survey["spec"]]
    assert len(variables) == len(set(variables))
    for question in survey["spec"]:
        for key in ("question_name", "variable", "type"):
            assert isinstance(question[key], str), (question["variable"], key)
        assert isinstance(question["required"], bool)
        assert question["type"] in SURVEY_TYPES
        default = question.get("default", "")
        if default != "":
            assert isinstance(default, SURVEY_TYPES[question["type"]]), question["variable"]
        if question["type"] in ("multiplechoice", "multiselect"):
            assert question["choices"], question["variable"]
            assert all(d in question["choices"] for d in str(default).splitlines()), question["variable"]


def test_workflow_survey_matches_role_variables(workflow):
    """Each survey variable reaches the role as the type its argument spec requires."""
    options = role_options("hub_and_spoke")
    assert workflow["workflow_job_template"]["survey_enabled"] is True
    for question in workflow["workflow_job_template"]["survey_spec"]["spec"]:
        spec = options[question["variable"]]
        assert not spec.get("no_log"), "%s is a secret: it comes from a credential, not a survey" % question["variable"]
        assert question["type"] != "password"
        if spec["type"] == "bool":
            # The role reads these through the bool filter, so the strings are enough.
            assert question["type"] == "multiplechoice", question["variable"]
            assert sorted(question["choices"]) == ["false", "true"], question["variable"]
        elif spec["type"] == "list":
            assert question["type"] == "multiselect", question["variable"]
        elif spec["type"] == "int":
            assert question["type"] == "integer", question["variable"]
        else:
            assert spec["type"] == "str", question["variable"]
            assert question["type"] in ("text", "textarea", "multiplechoice"), question["variable"]
            if "choices" in spec:
                assert question["type"] == "multiplechoice", question["variable"]
                assert set(question["choices"]) <= set(spec["choices"]), question["variable"]
        if "default" in spec and question.get("default", "") != "":
            expected = str(spec["default"]).lower() if spec["type"] == "bool" else spec["default"]
            assert question["default"] == expected, question["variable"]


def test_workflow_exclude_choices_are_spokes(workflow):
    hosts = load_yaml(os.path.join(REPO, "playbooks", "inventories", "hub_and_spoke", "hosts.yml"))
    spokes = sorted(hosts["vpn_spokes"]["hosts"])
    [question] = [q for q in workflow["workflow_job_template"]["survey_spec"]["spec"] if q["variable"] == "hub_and_spoke_exclude"]
    assert sorted(question["choices"]) == spokes


# -- execution environment -------------------------------------------------------


def test_execution_environment_definition():
    definition = load_yaml(os.path.join(REPO, "execution-environment.yml"))
    assert definition["version"] == 3
    assert ":" in definition["images"]["base_image"]["name"]
    dependencies = definition["dependencies"]
    for key in ("python", "system"):
        assert os.path.isfile(os.path.join(REPO, dependencies[key])), dependencies[key]

    with open(os.path.join(REPO, "requirements.txt"), encoding="utf-8") as handle:
        pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", handle.read(), re.MULTILINE))
    assert dependencies["ansible_core"]["package_pip"] == "ansible-core==%s" % pins["ansible-core"]

    [collection] = dependencies["galaxy"]["collections"]
    [extra_file] = definition["additional_build_files"]
    assert collection["type"] == "file"
    assert collection["name"] == "%s/%s" % (extra_file["dest"], os.path.basename(extra_file["src"]))


def test_collection_execution_environment_metadata():
    metadata = load_yaml(os.path.join(REPO, "meta", "execution-environment.yml"))
    assert metadata["version"] == 1
    assert metadata["dependencies"] == {"python": "requirements.txt", "system": "bindep.txt"}
    for path in metadata["dependencies"].values():
        assert os.path.isfile(os.path.join(REPO, path))


def test_bindep_platform_tags():
    with open(os.path.join(REPO, "bindep.txt"), encoding="utf-8") as handle:
        depends = Depends(handle.read())
    rules = depends.active_rules(["platform:rpm", "platform:redhat", "platform:centos"])
    assert [rule[0] for rule in rules] == ["ca-certificates"]
    # vpn_rehearse's strongSwan packages carry Debian names only.
    rules = depends.active_rules(["platform:dpkg", "platform:debian"])
    assert [rule[0] for rule in rules] == ["ca-certificates", "strongswan-charon", "strongswan-swanctl", "libcharon-extra-plugins", "iproute2"]
    assert depends.active_rules(["platform:apk"]) == []


@pytest.fixture(scope="module")
def collection_tarball(tmp_path_factory):
    """Build the collection tarball the way the comment in execution-environment.yml describes."""
    output = str(tmp_path_factory.mktemp("ee") / "build" / "ee")
    command = [os.path.join(VENV_BIN, "ansible-galaxy"), "collection", "build", "--output-path", output, REPO]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    [built] = os.listdir(output)
    tarball = os.path.join(output, "ipsec-panos.tar.gz")
    os.rename(os.path.join(output, built), tarball)
    return tarball


def test_built_collection_carries_ee_and_awx_files(collection_tarball):
    with tarfile.open(collection_tarball) as archive:
        names = set(archive.getnames())
    for name in (
        "meta/execution-environment.yml",
        "requirements.txt",
        "bindep.txt",
        "awx/credential_types/panos.yml",
        "awx/credential_types/ipsec_psk.yml",
        "awx/workflows/hub_and_spoke.yml",
        "awx/tasks/request.yml",
        "awx/vars/controller.yml",
        "playbooks/awx_setup.yml",
        "playbooks/awx_workflow.yml",
    ):
        assert name in names, name
    assert not [name for name in names if name.startswith((".venv", ".pytest_cache"))]


def test_ansible_builder_creates_build_context(collection_tarball, tmp_path):
    """ansible-builder validates the definition and writes a build context, with no container runtime."""
    workdir = os.path.dirname(os.path.dirname(os.path.dirname(collection_tarball)))
    for name in ("execution-environment.yml", "requirements.txt", "bindep.txt"):
        shutil.copy(os.path.join(REPO, name), workdir)
    context = str(tmp_path / "context")

    command = [os.path.join(VENV_BIN, "ansible-builder"), "create", "--file", os.path.join(workdir, "execution-environment.yml"), "--context", context]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "No matches" not in completed.stdout + completed.stderr
    build = os.path.join(context, "_build")
    assert os.path.isfile(os.path.join(build, "collections", "ipsec-panos.tar.gz"))
    assert load_yaml(os.path.join(build, "requirements.yml")) == {"collections": [{"name": "collections/ipsec-panos.tar.gz", "type": "file"}]}
    with open(os.path.join(build, "bindep.txt"), encoding="utf-8") as handle:
        assert "ca-certificates" in handle.read()
    [containerfile] = [name for name in os.listdir(context) if name in ("Containerfile", "Dockerfile")]
    with open(os.path.join(context, containerfile), encoding="utf-8") as handle:
        text = handle.read()
    assert 'ARG EE_BASE_IMAGE="quay.io/centos/centos:stream9"' in text
    assert "ansible-core==2.19.14" in text


def test_ansible_builder_reads_installed_collection(collection_tarball, tmp_path):
    """What ansible-builder collects from the installed collection inside the image build."""
    collections = str(tmp_path / "collections")
    install = [os.path.join(VENV_BIN, "ansible-galaxy"), "collection", "install", "--offline", "--force", "-p", collections, collection_tarball]
    # Outside the repository, whose ansible.cfg would find the collection installed already.
    completed = subprocess.run(install, cwd=str(tmp_path), capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert os.path.isfile(os.path.join(collections, "ansible_collections", "ipsec", "panos", "meta", "execution-environment.yml"))

    introspect = [os.path.join(VENV_BIN, "ansible-builder"), "introspect", collections]
    completed = subprocess.run(introspect, capture_output=True, text=True, check=False)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    found = yaml.safe_load(completed.stdout)
    python = [line.split("#")[0].strip() for line in found["python"]]
    with open(os.path.join(REPO, "requirements.txt"), encoding="utf-8") as handle:
        pinned = [line.strip() for line in handle if line.strip() and not line.startswith("#")]
    # ansible-builder leaves out ansible-core, which the EE definition installs itself.
    assert python == [line for line in pinned if not line.startswith("ansible-core")]
    assert [line.split("#")[0].strip() for line in found["system"]] == [
        "ca-certificates [platform:rpm platform:dpkg]",
        "strongswan-charon [platform:dpkg]",
        "strongswan-swanctl [platform:dpkg]",
        "libcharon-extra-plugins [platform:dpkg]",
        "iproute2 [platform:dpkg]",
    ]
    assert json.dumps(found).count("ipsec.panos") == len(found["python"]) + len(found["system"])
