"""The site_to_site playbook, end to end against one simulated firewall and its three peers."""

import os
import secrets
import shutil
import stat

import pytest
import yaml

from conftest import REPO, Pansim, free_port, run_playbook

PLAYBOOK = os.path.join(REPO, "playbooks", "site_to_site.yml")
EXAMPLE_INVENTORY = os.path.join(REPO, "playbooks", "inventories", "site_to_site")
DEVICE_ROOT = "devices/entry[@name='localhost.localdomain']"
HOST = "fw1"
SWANCTL_FILE = "fw1-lab-swan.conf"


def example_host():
    with open(os.path.join(EXAMPLE_INVENTORY, "hosts.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)["site_to_site_firewalls"]["hosts"][HOST]


def make_inventory(directory, sim, host_overrides=None):
    """Copy the example inventory and point the firewall at its simulated device."""
    inventory = os.path.join(str(directory), "inventory")
    shutil.copytree(EXAMPLE_INVENTORY, inventory)
    os.makedirs(os.path.join(inventory, "host_vars"), exist_ok=True)
    values = {"pansim_port": sim.devices[HOST]["port"]}
    values.update(host_overrides or {})
    with open(os.path.join(inventory, "host_vars", "%s.yml" % HOST), "w", encoding="utf-8") as handle:
        yaml.safe_dump(values, handle)
    return inventory


def strongswan_dir(path):
    return "site_to_site_strongswan_dir=%s" % path


@pytest.fixture(scope="module")
def marker():
    # A key that is easy to search for in every output.
    return "PSKMARKER-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def firewall(tmp_path_factory, password):
    public_ip = example_host()["vpn_public_ip"]
    devices = {HOST: {"port": free_port(), "ip": public_ip, "gateway": "198.51.100.254"}}
    sim = Pansim(str(tmp_path_factory.mktemp("pansim-s2s")), devices, password).start()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def converged(firewall, tmp_path_factory, marker):
    workdir = tmp_path_factory.mktemp("site-to-site")
    inventory = make_inventory(workdir, firewall)
    swan = os.path.join(str(workdir), "strongswan")
    first = run_playbook(PLAYBOOK, inventory, firewall, marker, "-e", strongswan_dir(swan))
    second = run_playbook(PLAYBOOK, inventory, firewall, marker, "-e", strongswan_dir(swan))
    return {"inventory": inventory, "swan": swan, "first": first, "second": second}


def network(sim):
    return sim.running_tree(HOST).find(DEVICE_ROOT + "/network")


def test_first_run_builds_firewall(converged):
    first = converged["first"]
    assert first.returncode == 0, first.output
    assert first.recap()[HOST]["failed"] == 0
    assert first.recap()[HOST]["changed"] > 0
    assert "[WARNING]" not in first.output


def test_second_run_changes_nothing(converged):
    second = converged["second"]
    assert second.returncode == 0, second.output
    assert second.recap()[HOST]["changed"] == 0, second.stdout


def test_aws_tunnels_share_vpn_zone(converged, firewall):
    config = firewall.running_tree(HOST)
    net = config.find(DEVICE_ROOT + "/network")
    gateways = {e.get("name"): e for e in net.findall("ike/gateway/entry")}
    assert gateways["gw-aws-vpc1-1"].findtext("peer-address/ip") == "203.0.113.11"
    assert gateways["gw-aws-vpc1-2"].findtext("peer-address/ip") == "203.0.113.12"
    for name in ("gw-aws-vpc1-1", "gw-aws-vpc1-2"):
        assert gateways[name].findtext("protocol/version") == "ikev2"
        assert gateways[name].findtext("protocol/ikev2/ike-crypto-profile") == "s2s-aws-ike"
        assert gateways[name].findtext("protocol-common/passive-mode") == "no"
        assert gateways[name].findtext("protocol/ikev2/dpd/interval") == "10"

    units = {e.get("name"): e for e in net.findall("interface/tunnel/units/entry")}
    assert [a.get("name") for a in units["tunnel.201"].findall("ip/entry")] == ["169.254.10.2/30"]
    assert [a.get("name") for a in units["tunnel.202"].findall("ip/entry")] == ["169.254.11.2/30"]
    assert units["tunnel.201"].findtext("mtu") == "1427"
    zone = config.find(DEVICE_ROOT + "/vsys/entry[@name='vsys1']/zone/entry[@name='vpn']")
    members = [m.text for m in zone.findall("network/layer3/member")]
    assert "tunnel.201" in members
    assert "tunnel.202" in members

    tunnels = {e.get("name"): e for e in net.findall("tunnel/ipsec/entry")}
    assert tunnels["vpn-aws-vpc1-1"].findtext("tunnel-monitor/destination-ip") == "169.254.10.1"
    assert tunnels["vpn-aws-vpc1-2"].findtext("tunnel-monitor/tunnel-monitor-profile") == "s2s-fail-over"
    assert net.find("profiles/monitor-profile/entry[@name='s2s-fail-over']").findtext("action") == "fail-over"

    router = net.find("virtual-router/entry[@name='default']")
    routes = {e.get("name"): e for e in router.findall("routing-table/ip/static-route/entry")}
    assert routes["s2s-aws-vpc1-1-1"].findtext("interface") == "tunnel.201"
    assert routes["s2s-aws-vpc1-1-1"].findtext("metric") == "10"
    assert routes["s2s-aws-vpc1-2-1"].findtext("interface") == "tunnel.202"
    assert routes["s2s-aws-vpc1-2-1"].findtext("metric") == "20"


def test_crypto_profiles_from_preset(converged, firewall):
    net = network(firewall)
    ike = net.find("ike/crypto-profiles/ike-crypto-profiles/entry[@name='s2s-aws-ike']")
    assert [m.text for m in ike.findall("encryption/member")] == ["aes-256-cbc"]
    assert [m.text for m in ike.findall("hash/member")] == ["sha256"]
    assert [m.text for m in ike.findall("dh-group/member")] == ["group20"]
    assert ike.findtext("lifetime/hours") == "8"
    ipsec = net.find("ike/crypto-profiles/ipsec-crypto-profiles/entry[@name='s2s-aws-ipsec']")
    assert [m.text for m in ipsec.findall("esp/encryption/member")] == ["aes-256-gcm"]
    assert [m.text for m in ipsec.findall("esp/authentication/member")] == ["none"]
    assert ipsec.findtext("dh-group") == "group20"
    assert ipsec.findtext("lifetime/hours") == "1"
    asa = net.find("ike/crypto-profiles/ike-crypto-profiles/entry[@name='s2s-cisco_asa-ike']")
    # The module writes the largest whole unit, so 24h is stored as one day.
    assert asa.findtext("lifetime/days") == "1"


def test_asa_proxy_ids_mirror_inventory(converged, firewall):
    peer = {p["name"]: p for p in example_host()["site_to_site_peers"]}["branch-asa"]
    expected = {(local, remote) for local in peer["local_networks"] for remote in peer["remote_networks"]}
    tunnel = network(firewall).find("tunnel/ipsec/entry[@name='vpn-branch-asa-1']")
    proxies = {(e.findtext("local"), e.findtext("remote")) for e in tunnel.findall("auto-key/proxy-id/entry")}
    assert proxies == expected
    assert len(expected) == 4
    # The AWS tunnels are route-based and carry none.
    assert network(firewall).find("tunnel/ipsec/entry[@name='vpn-aws-vpc1-1']/auto-key/proxy-id") is None


def test_swanctl_written_private(converged, marker):
    path = os.path.join(converged["swan"], SWANCTL_FILE)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    assert 'secret = "%s"' % marker in text
    assert "remote_addrs = 198.51.100.10" in text
    assert "local_ts = 10.20.0.0/24" in text
    assert "remote_ts = 10.0.0.0/16" in text
    assert os.listdir(converged["swan"]) == [SWANCTL_FILE]


def test_key_never_shown(converged, firewall, marker):
    for run in (converged["first"], converged["second"]):
        assert marker not in run.output
    assert marker not in firewall.running(HOST)
    assert marker not in firewall.candidate(HOST)
    assert "-AQ==" in firewall.running(HOST)
    with open(firewall.log_path, encoding="utf-8") as handle:
        assert marker not in handle.read()


def test_verbose_output_hides_key(converged, firewall, marker):
    run = run_playbook(PLAYBOOK, converged["inventory"], firewall, marker, "-vvv", "-e", strongswan_dir(converged["swan"]))
    assert run.returncode == 0, run.output
    assert "pre_shared_key" in run.output
    assert marker not in run.output
    assert run.recap()[HOST]["changed"] == 0


def test_check_mode_writes_nothing(converged, firewall, marker, tmp_path):
    peers = example_host()["site_to_site_peers"]
    for peer in peers:
        if peer["name"] == "branch-asa":
            peer["remote_networks"].append("10.32.0.0/24")
    inventory = make_inventory(tmp_path, firewall, {"site_to_site_peers": peers})
    swan = str(tmp_path / "strongswan-check")
    before = (firewall.candidate(HOST), firewall.running(HOST))

    run = run_playbook(PLAYBOOK, inventory, firewall, marker, "--check", "--diff", "-e", strongswan_dir(swan))

    assert run.returncode == 0, run.output
    assert run.recap()[HOST]["changed"] > 0
    assert "10.32.0.0/24" in run.stdout
    assert (firewall.candidate(HOST), firewall.running(HOST)) == before
    assert not os.path.exists(swan)
    assert marker not in run.output


def test_incompatible_profile_fails_before_write(converged, firewall, marker, tmp_path):
    overrides = tmp_path / "incompatible.yml"
    overrides.write_text(
        yaml.safe_dump({"site_to_site_preset_overrides": {"aws": {"ike_profile": {"hash": ["sha1"], "dh_group": ["group5"]}}}})
    )
    swan = str(tmp_path / "strongswan-bad")
    before = firewall.candidate(HOST)
    with open(firewall.log_path, encoding="utf-8") as handle:
        log_before = handle.read()

    run = run_playbook(PLAYBOOK, converged["inventory"], firewall, marker, "-e", "@%s" % overrides, "-e", strongswan_dir(swan))
    with open(firewall.log_path, encoding="utf-8") as handle:
        log_after = handle.read()

    # The plan failed on the controller, so the playbook sent not even a read.
    assert log_after == log_before
    assert run.returncode != 0
    assert (
        "peer aws-vpc1 (preset aws): IKE crypto profile s2s-aws-ike offers aes-256-cbc/sha1/group5; the peer accepts "
        "aes-128-cbc, aes-256-cbc, aes-128-gcm, aes-256-gcm / sha1, sha256, sha384, sha512 / "
        "group2, group14, group15, group16, group19, group20, group21; no common DH group"
    ) in run.output
    assert firewall.candidate(HOST) == before
    assert not os.path.exists(swan)
    assert marker not in run.output


def test_built_vpn_passes_audit(converged, firewall, marker, tmp_path):
    from conftest import audit_findings

    findings = audit_findings(firewall, converged["inventory"], "site_to_site_firewalls", marker, str(tmp_path))
    assert findings == {HOST: []}
