"""vpn_rehearse as an oracle for pansim: the same two configurations, negotiated by both.

Each case applies a pair of configurations to two simulated firewalls, reads the state
pansim decides (vpn_info, initiating from the left end), and rehearses the two candidate
configurations between real strongSwan daemons. The two must agree on up or down and on the
cause, and the rehearsal must name the PAN-OS setting to change.
"""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time

import pytest
import yaml

from conftest import REPO, Pansim, free_port, make_inventory, run_playbook, start_demo_devices

ORACLE = os.path.join(REPO, "tests", "integration", "playbooks", "rehearse_oracle.yml")
HUB_AND_SPOKE = os.path.join(REPO, "tests", "integration", "playbooks", "rehearse_hub_and_spoke.yml")
LEFT_IP, RIGHT_IP = "198.51.100.1", "203.0.113.11"
LEFT_NET, RIGHT_NET = "10.1.0.0/24", "10.2.0.0/24"
PREFIX = "panos-rehearse-"


def _missing():
    """Return why namespaces cannot be used here, or None."""
    if os.geteuid() != 0:
        return "not root, so no network namespaces can be created"
    for tool in ("ip", "swanctl", "unshare"):
        if not shutil.which(tool):
            return "%s is missing (install iproute2 and strongswan-swanctl)" % tool
    if not os.path.exists("/usr/lib/ipsec/charon"):
        return "charon is missing (install strongswan-charon)"
    probe = "panos-rehearse-probe-%d" % os.getpid()
    completed = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        return "network namespaces are unavailable: %s" % completed.stderr.strip()
    subprocess.run(["ip", "netns", "delete", probe], check=False)
    return None


MISSING = _missing()
pytestmark = pytest.mark.skipif(MISSING is not None, reason="rehearsal needs network namespaces: %s" % MISSING)


def leftovers():
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
    namespaces = [line.split()[0] for line in listing.splitlines() if line.startswith(PREFIX)]
    daemons = subprocess.run(["pgrep", "-f", "/usr/lib/ipsec/charon"], capture_output=True, text=True, check=False).stdout.split()
    ours = [pid for pid in daemons if os.path.exists("/proc/%s/environ" % pid) and PREFIX.encode() in open("/proc/%s/environ" % pid, "rb").read()]
    temporary = [name for name in os.listdir("/tmp") if name.startswith(PREFIX)]
    return namespaces, ours, temporary


def end_config(local_ip, peer_ip, local_net, remote_net, psk):
    return {
        "ike_crypto_profiles": [{"name": "oracle-ike", "encryption": ["aes-256-cbc"], "hash": ["sha256"], "dh_group": ["group20"], "lifetime": "8h"}],
        "ipsec_crypto_profiles": [
            {"name": "oracle-ipsec", "esp_encryption": ["aes-256-gcm"], "esp_authentication": ["none"], "dh_group": "group20", "lifetime": "1h"}
        ],
        "tunnel_interfaces": [{"name": "tunnel.1"}],
        "ike_gateways": [
            {
                "name": "gw-oracle",
                "version": "ikev2",
                "interface": "ethernet1/1",
                "local_ip": local_ip + "/24",
                "peer_address": peer_ip,
                "pre_shared_key": psk,
                "ike_crypto_profile": "oracle-ike",
            }
        ],
        "ipsec_tunnels": [{"name": "vpn-oracle", "tunnel_interface": "tunnel.1", "ike_gateway": "gw-oracle", "ipsec_crypto_profile": "oracle-ipsec"}],
        "static_routes": [{"name": "to-far", "destination": remote_net, "interface": "tunnel.1"}],
    }


def _gateway(config):
    return config["ike_gateways"][0]


def _tunnel(config):
    return config["ipsec_tunnels"][0]


def _ike_version(left, right, marker):
    _gateway(right)["version"] = "ikev1"


def _ike_proposal(left, right, marker):
    right["ike_crypto_profiles"][0].update(encryption=["aes-256-gcm"], hash=["non-auth"], dh_group=["group19"])


def _esp_proposal(left, right, marker):
    right["ipsec_crypto_profiles"][0].update(esp_encryption=["aes-128-cbc"], esp_authentication=["sha256"])


def _pfs(left, right, marker):
    right["ipsec_crypto_profiles"][0]["dh_group"] = "group14"


def _key(left, right, marker):
    _gateway(right)["pre_shared_key"] = marker + "-other"


def _peer_id(left, right, marker):
    _gateway(left)["peer_id"] = {"type": "fqdn", "id": "not-the-peer.example.net"}


def _proxy_ids(left, right, marker):
    _tunnel(left)["proxy_ids"] = [{"name": "lan", "local": LEFT_NET, "remote": RIGHT_NET}]
    _tunnel(right)["proxy_ids"] = [{"name": "lan", "local": RIGHT_NET, "remote": "10.9.0.0/24"}]


def _both_passive(left, right, marker):
    _gateway(left)["passive_mode"] = True
    _gateway(right)["passive_mode"] = True


def _mirrored_proxy_ids(left, right, marker):
    _tunnel(left)["proxy_ids"] = [{"name": "lan", "local": LEFT_NET, "remote": RIGHT_NET}]
    _tunnel(right)["proxy_ids"] = [{"name": "lan", "local": RIGHT_NET, "remote": LEFT_NET}]


def _proxy_subset(left, right, marker):
    _tunnel(left)["proxy_ids"] = [{"name": "lan", "local": LEFT_NET, "remote": RIGHT_NET}]
    _tunnel(right)["proxy_ids"] = [{"name": "lan", "local": "10.2.0.0/25", "remote": LEFT_NET}]


def _aggressive(left, right, marker):
    for config in (left, right):
        _gateway(config).update(version="ikev1", exchange_mode="aggressive")


def _preferred_against_ikev1(left, right, marker):
    _gateway(left)["version"] = "ikev2-preferred"
    _gateway(right)["version"] = "ikev1"


# case: (change, vpn_info's causes for pansim's state, a phrase of pansim's failure events or None,
#        the rehearsal's cause, words its fix or reason must contain)
# vpn_info classifies the newest events. An IKEv1-only PAN-OS responder sends no reply to IKEv2,
# so the initiator times out (peer_unreachable) while the responder logs the version mismatch.
# A PFS mismatch makes the initiator log NO_PROPOSAL_CHOSEN (esp_proposal_mismatch) while the
# responder logs the PFS group.
CASES = {
    "ike_version": (_ike_version, {"peer_unreachable", "ike_version_mismatch"}, "IKE version mismatch", "ike-version-mismatch",
                    "set version of IKE gateways gw-oracle"),
    "ike_proposal": (_ike_proposal, {"ike_proposal_mismatch"}, "no suitable proposal found", "ike-proposal-mismatch", "IKE crypto profile `oracle-ike`"),
    "esp_proposal": (_esp_proposal, {"esp_proposal_mismatch"}, "NO_PROPOSAL_CHOSEN", "esp-proposal-mismatch", "IPsec crypto profile `oracle-ipsec`"),
    "pfs": (_pfs, {"esp_proposal_mismatch", "pfs_mismatch"}, "pfs group mismatched", "pfs-group-mismatch", "set dh_group of IPsec crypto profiles"),
    "pre_shared_key": (_key, {"psk_mismatch"}, "authentication failure", "authentication-failure", "write the same pre_shared_key"),
    "peer_id": (_peer_id, {"peer_id_mismatch"}, "peer ID mismatch", "peer-id-mismatch", "set peer_id on IKE gateway gw-oracle"),
    "proxy_ids": (_proxy_ids, {"proxy_id_mismatch"}, "TS_UNACCEPTABLE", "proxy-id-mismatch", "proxy IDs of tunnel vpn-oracle"),
    "both_passive": (_both_passive, {"passive_waiting"}, None, "both-passive", "set passive_mode to false"),
    # strongSwan alone would narrow the selectors and come up; PAN-OS needs them to mirror.
    "proxy_subset": (_proxy_subset, {"proxy_id_mismatch"}, None, "proxy-id-mismatch", "proxy IDs"),
}


@pytest.fixture(scope="module")
def marker():
    return "PSKMARKER-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def sim(tmp_path_factory, password):
    workdir = str(tmp_path_factory.mktemp("rehearse"))
    devices = {"left": {"port": free_port(), "ip": LEFT_IP + "/24"}, "right": {"port": free_port(), "ip": RIGHT_IP + "/24"}}
    sim = Pansim(workdir, devices, password).start()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def inventory(tmp_path_factory, sim):
    path = os.path.join(str(tmp_path_factory.mktemp("inventory")), "hosts.yml")
    hosts = {}
    for name, device in sim.devices.items():
        hosts[name] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "panos_provider": {
                "host": "127.0.0.1",
                "port": device["port"],
                "password": "{{ lookup('ansible.builtin.env', 'PANOS_PASSWORD') }}",
                "ca_path": "{{ lookup('ansible.builtin.env', 'PANOS_CA_PATH') }}",
            },
        }
    data = {"all": {"hosts": dict(hosts, localhost={"ansible_connection": "local", "ansible_python_interpreter": sys.executable})}}
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle)
    return path


@pytest.fixture(scope="module", autouse=True)
def nothing_left_behind():
    yield
    namespaces, daemons, temporary = leftovers()
    assert namespaces == [], namespaces
    assert daemons == [], daemons
    assert temporary == [], temporary


def run_case(sim, inventory, marker, tmp_path, change=None):
    left = end_config(LEFT_IP, RIGHT_IP, LEFT_NET, RIGHT_NET, marker)
    right = end_config(RIGHT_IP, LEFT_IP, RIGHT_NET, LEFT_NET, marker)
    if change is not None:
        change(left, right, marker)
    # Start each case without the SAs of the previous one, as after a reboot of both ends.
    for name in ("left", "right"):
        sim.api(name, type="op", cmd="<clear><vpn><ike-sa></ike-sa></vpn></clear>")
        sim.api(name, type="op", cmd="<clear><vpn><ipsec-sa></ipsec-sa></vpn></clear>")
    variables = {"configs": {"left": left, "right": right}, "result_dir": str(tmp_path)}
    variables_file = os.path.join(str(tmp_path), "variables.json")
    with open(variables_file, "w", encoding="utf-8") as handle:
        json.dump(variables, handle)
    run = run_playbook(ORACLE, inventory, sim, marker, "-e", "@" + variables_file)
    os.remove(variables_file)
    assert run.returncode == 0, run.output
    assert marker not in run.output
    with open(os.path.join(str(tmp_path), "pansim.json"), encoding="utf-8") as handle:
        pansim = json.load(handle)
    with open(os.path.join(str(tmp_path), "rehearse.json"), encoding="utf-8") as handle:
        rehearsal = json.load(handle)
    assert marker not in json.dumps(rehearsal)
    return pansim, rehearsal


def pansim_tunnel(pansim):
    return next(entry for entry in pansim["tunnels"] if entry["name"] == "vpn-oracle")


def test_matching_ends_agree_up(sim, inventory, marker, tmp_path):
    pansim, rehearsal = run_case(sim, inventory, marker, tmp_path)

    assert pansim_tunnel(pansim)["state"] == "up"
    assert rehearsal["established"] is True
    entry = rehearsal["tunnels"][0]
    assert entry["phase1"] == "established"
    assert entry["phase2"] == "established"
    assert entry["rekey"] == "ok"
    assert entry["ike_proposal"] == "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_384"
    assert entry["esp_proposals"] == ["AES_GCM_16-256"]
    assert entry["traffic_passed"] is True
    # Route-based: the datagram goes between the networks each end routes into the tunnel.
    assert entry["traffic"] == [{"source": "10.1.0.1", "destination": "10.2.0.1", "arrived": True}]


def test_mirrored_proxy_ids_agree_up(sim, inventory, marker, tmp_path):
    pansim, rehearsal = run_case(sim, inventory, marker, tmp_path, _mirrored_proxy_ids)

    assert pansim_tunnel(pansim)["state"] == "up"
    assert rehearsal["established"] is True
    assert rehearsal["tunnels"][0]["traffic"] == [{"source": "10.1.0.1", "destination": "10.2.0.1", "arrived": True}]


@pytest.mark.parametrize("change", [_aggressive, _preferred_against_ikev1], ids=["ikev1_aggressive", "ikev2_preferred_to_ikev1"])
def test_working_variants_agree_up(sim, inventory, marker, tmp_path, change):
    pansim, rehearsal = run_case(sim, inventory, marker, tmp_path, change)

    assert pansim_tunnel(pansim)["state"] == "up"
    assert rehearsal["established"] is True, rehearsal["tunnels"][0]
    assert rehearsal["tunnels"][0]["ike_version"] == "ikev1"


@pytest.mark.parametrize("case", sorted(CASES))
def test_mismatch_agrees_with_pansim(sim, inventory, marker, tmp_path, case):
    change, info_causes, pansim_phrase, rehearse_cause, fix_words = CASES[case]

    pansim, rehearsal = run_case(sim, inventory, marker, tmp_path, change)

    state = pansim_tunnel(pansim)
    assert state["state"] != "up"
    assert state["diagnosis"]["cause"] in info_causes, state["diagnosis"]
    if pansim_phrase is not None:
        messages = " ".join(event["message"] for event in state["diagnosis"]["evidence"])
        assert pansim_phrase in messages, state["diagnosis"]
    assert rehearsal["established"] is False
    entry = rehearsal["tunnels"][0]
    assert entry["established"] is False
    assert entry["cause"] == rehearse_cause, entry
    assert fix_words in entry["fix"] or fix_words in entry["reason"], entry
    # Both ends passive start no exchange; narrowed selectors are found in the configs, not the IKE log.
    if case not in ("both_passive", "proxy_subset"):
        assert entry["log"], entry


def test_ike_proposal_reason_names_offers(sim, inventory, marker, tmp_path):
    _pansim, rehearsal = run_case(sim, inventory, marker, tmp_path, _ike_proposal)
    reason = rehearsal["tunnels"][0]["reason"]
    assert "IKE crypto profile `oracle-ike`" in reason
    assert "offers aes-256-cbc/sha256/group20" in reason
    assert "offers aes-256-gcm/group19 only" in reason


def test_sigterm_mid_negotiation_cleans_up(tmp_path, marker):
    sites = []
    # Eight copies of one pair keep the module negotiating long enough to be interrupted.
    for index in range(8):
        left = end_config("192.0.2.%d" % (index + 1), "192.0.2.%d" % (index + 101), LEFT_NET, RIGHT_NET, marker)
        right = end_config("192.0.2.%d" % (index + 101), "192.0.2.%d" % (index + 1), RIGHT_NET, LEFT_NET, marker)
        sites += [{"name": "left%d" % index, "config": left}, {"name": "right%d" % index, "config": right}]
    variables_file = os.path.join(str(tmp_path), "variables.json")
    with open(variables_file, "w", encoding="utf-8") as handle:
        json.dump({"sites": sites, "result_file": os.path.join(str(tmp_path), "result.json")}, handle)
    environment = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, "build", "collections"),
        ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
    )
    command = [
        os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
        "-e", "ansible_connection=local", "-e", "ansible_python_interpreter=" + sys.executable,
        "-e", "@" + variables_file, os.path.join(REPO, "tests", "integration", "playbooks", "rehearse_sites.yml"),
    ]
    playbook = subprocess.Popen(command, cwd=REPO, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    # Wait until a daemon runs in one of the module's namespaces, then stop the module.
    module_pid = None
    deadline = time.monotonic() + 120
    while module_pid is None and time.monotonic() < deadline and playbook.poll() is None:
        for name in leftovers()[0]:
            pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True, check=False).stdout.split()
            if pids:
                module_pid = int(name[len(PREFIX):].split("-")[0])
                break
        time.sleep(0.05)
    assert module_pid is not None, "no rehearsal namespace with a daemon appeared"
    os.kill(module_pid, signal.SIGTERM)
    output = playbook.communicate(timeout=120)[0]
    os.remove(variables_file)

    assert playbook.returncode != 0, output
    assert "interrupted by SIGTERM" in output
    assert marker not in output
    namespaces, daemons, temporary = leftovers()
    assert namespaces == []
    assert daemons == []
    assert temporary == []


@pytest.fixture(scope="module")
def demo(tmp_path_factory, password):
    sim = start_demo_devices(tmp_path_factory, password, "rehearse-demo")
    yield sim
    sim.stop()


def test_hub_and_spoke_demo_rehearses_in_check_mode(demo, tmp_path, marker):
    inventory = make_inventory(tmp_path / "inventory", demo)
    result_file = os.path.join(str(tmp_path), "rehearsal.json")
    before = {name: demo.candidate(name) for name in demo.devices}

    run = run_playbook(
        HUB_AND_SPOKE, inventory, demo, marker, "--check", "--diff", "-e", "hub_and_spoke_rehearse=true", "-e", "result_file=" + result_file, "-vvv"
    )

    assert run.returncode == 0, run.output
    assert marker not in run.output
    with open(result_file, encoding="utf-8") as handle:
        rehearsal = json.load(handle)
    assert rehearsal["established"] is True
    assert rehearsal["unpaired"] == []
    assert sorted(sorted((t["left"]["site"], t["right"]["site"])) for t in rehearsal["tunnels"]) == [
        ["branch1", "hub"], ["branch2", "hub"], ["branch3", "hub"]
    ]
    for entry in rehearsal["tunnels"]:
        assert entry["phase1"] == "established"
        assert entry["phase2"] == "established"
        assert entry["rekey"] == "ok"
        assert entry["traffic_passed"] is True
        # The spoke initiates (the hub is passive), from its own network to the hub's.
        assert entry[entry["initiator"]]["site"].startswith("branch")
        assert entry["traffic"][0]["destination"] == "10.0.0.1"
    assert {name: demo.candidate(name) for name in demo.devices} == before


def test_hub_and_spoke_gate_refuses_push(demo, tmp_path, marker):
    inventory = make_inventory(tmp_path / "inventory", demo, {"branch2": {"hub_and_spoke_ike_version": "ikev1"}})
    result_file = os.path.join(str(tmp_path), "rehearsal.json")
    before = {name: demo.candidate(name) for name in demo.devices}

    run = run_playbook(HUB_AND_SPOKE, inventory, demo, marker, "-e", "hub_and_spoke_rehearse=true", "-e", "result_file=" + result_file)

    assert run.returncode != 0
    assert "the rehearsal found tunnels that would not come up" in run.output
    assert "branch2 tunnel vpn-hub (gateway gw-hub) runs ikev1" in run.output
    assert "fix: set version of IKE gateways" in run.output
    assert marker not in run.output
    # The gate runs before the vpn task, so no firewall was written.
    assert {name: demo.candidate(name) for name in demo.devices} == before
    assert "Apply the VPN objects" not in run.output.split("Rehearse every tunnel")[-1]


def test_hub_and_spoke_gate_passes_then_pushes(demo, tmp_path, marker):
    inventory = make_inventory(tmp_path / "inventory", demo)
    result_file = os.path.join(str(tmp_path), "rehearsal.json")

    run = run_playbook(HUB_AND_SPOKE, inventory, demo, marker, "-e", "hub_and_spoke_rehearse=true", "-e", "result_file=" + result_file)

    assert run.returncode == 0, run.output
    assert marker not in run.output
    assert all(run.recap()[name]["changed"] > 0 for name in demo.devices)
    with open(result_file, encoding="utf-8") as handle:
        assert json.load(handle)["established"] is True
    assert "gw-branch1" in demo.running("hub")


REDUNDANT_PATH = os.path.join(REPO, "tests", "integration", "playbooks", "rehearse_redundant_path.yml")
REDUNDANT_INVENTORY = os.path.join(REPO, "playbooks", "inventories", "redundant_path")


def test_redundant_path_example_rehearses_in_check_mode(tmp_path_factory, tmp_path, password, marker):
    with open(os.path.join(REDUNDANT_INVENTORY, "hosts.yml"), encoding="utf-8") as handle:
        groups = yaml.safe_load(handle)
    sites = {name: values for group in groups.values() for name, values in group["hosts"].items()}
    devices = {}
    for name, site in sites.items():
        interfaces = [{"name": link["interface"], "ip": link["public_ip"], "gateway": link["next_hop"]} for link in site["vpn_links"]]
        devices[name] = {"port": free_port(), "interfaces": interfaces}
    sim = Pansim(str(tmp_path_factory.mktemp("rehearse-redundant")), devices, password).start()
    try:
        inventory = os.path.join(str(tmp_path), "inventory")
        shutil.copytree(REDUNDANT_INVENTORY, inventory)
        os.makedirs(os.path.join(inventory, "host_vars"), exist_ok=True)
        for name, device in sim.devices.items():
            with open(os.path.join(inventory, "host_vars", "%s.yml" % name), "w", encoding="utf-8") as handle:
                yaml.safe_dump({"pansim_port": device["port"]}, handle)
        result_file = os.path.join(str(tmp_path), "rehearsal.json")
        before = {name: sim.candidate(name) for name in sim.devices}

        run = run_playbook(REDUNDANT_PATH, inventory, sim, marker, "--check", "-e", "redundant_path_rehearse=true", "-e", "result_file=" + result_file)

        assert run.returncode == 0, run.output
        assert marker not in run.output
        with open(result_file, encoding="utf-8") as handle:
            rehearsal = json.load(handle)
        # Two paths per branch, each its own tunnel.
        assert len(rehearsal["tunnels"]) == 2 * (len(sites) - 1)
        assert rehearsal["established"] is True, [(t["left"], t["cause"], t["reason"]) for t in rehearsal["tunnels"] if not t["established"]]
        assert all(entry["traffic_passed"] for entry in rehearsal["tunnels"])
        assert {name: sim.candidate(name) for name in sim.devices} == before
    finally:
        sim.stop()


SITE_TO_SITE = os.path.join(REPO, "tests", "integration", "playbooks", "rehearse_site_to_site.yml")
SITE_TO_SITE_INVENTORY = os.path.join(REPO, "playbooks", "inventories", "site_to_site")


def test_site_to_site_example_rehearses_in_check_mode(tmp_path_factory, tmp_path, password, marker):
    with open(os.path.join(SITE_TO_SITE_INVENTORY, "hosts.yml"), encoding="utf-8") as handle:
        host = yaml.safe_load(handle)["site_to_site_firewalls"]["hosts"]["fw1"]
    sim = Pansim(str(tmp_path_factory.mktemp("rehearse-s2s")), {"fw1": {"port": free_port(), "ip": host["vpn_public_ip"]}}, password).start()
    try:
        inventory = os.path.join(str(tmp_path), "inventory")
        shutil.copytree(SITE_TO_SITE_INVENTORY, inventory)
        os.makedirs(os.path.join(inventory, "host_vars"), exist_ok=True)
        with open(os.path.join(inventory, "host_vars", "fw1.yml"), "w", encoding="utf-8") as handle:
            yaml.safe_dump({"pansim_port": sim.devices["fw1"]["port"]}, handle)
        result_file = os.path.join(str(tmp_path), "rehearsal.json")
        swan = os.path.join(str(tmp_path), "strongswan")
        before = sim.candidate("fw1")

        run = run_playbook(
            SITE_TO_SITE, inventory, sim, marker, "--check",
            "-e", "site_to_site_rehearse=true", "-e", "result_file=" + result_file, "-e", "site_to_site_strongswan_dir=" + swan,
        )

        assert run.returncode == 0, run.output
        assert marker not in run.output
        with open(result_file, encoding="utf-8") as handle:
            rehearsal = json.load(handle)
        peers = sorted(entry["right"]["site"] for entry in rehearsal["tunnels"])
        assert peers == ["aws-vpc1-1", "aws-vpc1-2", "branch-asa-1", "lab-swan-1"]
        assert rehearsal["established"] is True, [(t["right"], t["cause"], t["reason"]) for t in rehearsal["tunnels"] if not t["established"]]
        asa = next(entry for entry in rehearsal["tunnels"] if entry["right"]["site"] == "branch-asa-1")
        # One child per proxy ID: two local by two remote networks.
        assert len(asa["esp_proposals"]) == 4
        assert all(item["arrived"] for item in asa["traffic"])
        assert sim.candidate("fw1") == before
    finally:
        sim.stop()


@pytest.mark.parametrize(
    "sites, message",
    [
        ([{"name": "left", "config": {}}], "sites: 1 given; give at least two sites"),
        ([{"name": "left", "config": {}}, {"name": "left", "config": {}}], "sites: the name(s) left appear more than once"),
    ],
    ids=["one_site", "repeated_name"],
)
def test_bad_sites_rejected(sim, inventory, marker, tmp_path, sites, message):
    playbook = os.path.join(REPO, "tests", "integration", "playbooks", "rehearse_sites_check.yml")
    run = run_playbook(playbook, inventory, sim, marker, "-e", json.dumps({"sites": sites}))
    assert run.returncode != 0
    assert message in run.output
