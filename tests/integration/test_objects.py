"""Every VPN object and option through ansible-playbook against one simulated firewall.

Each playbook applies its objects twice (changed, then unchanged). It runs check mode
and gathers to show that nothing was written, and it sends input that must be rejected
and checks the message. It ends with a commit that the simulator's reference checks
accept. The tests here then read the candidate configuration to check the XML itself.
"""

import os
import xml.etree.ElementTree as ET

import pytest
import yaml

from conftest import Pansim, free_port, run_playbook

HERE = os.path.dirname(__file__)
PLAYBOOKS = os.path.join(HERE, "playbooks")
CORPUS = os.path.abspath(os.path.join(HERE, "..", "..", "..", "shared", "corpus", "panos-configs"))


@pytest.fixture(scope="module")
def firewall(tmp_path_factory, password):
    workdir = str(tmp_path_factory.mktemp("objects"))
    sim = Pansim(workdir, {"fw": {"port": free_port(), "ip": "198.51.100.1/24"}}, password).start()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def inventory(firewall, tmp_path_factory):
    path = tmp_path_factory.mktemp("objects-inventory") / "hosts.yml"
    host = {
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "panos_provider": {
            "host": "127.0.0.1",
            "port": firewall.devices["fw"]["port"],
            "username": "admin",
            "password": "{{ lookup('ansible.builtin.env', 'PANOS_PASSWORD') }}",
            "ca_path": "{{ lookup('ansible.builtin.env', 'PANOS_CA_PATH') }}",
        },
    }
    path.write_text(yaml.safe_dump({"all": {"hosts": {"fw": host}}}), encoding="utf-8")
    return str(path)


def candidate_device(sim):
    root = ET.fromstring(sim.candidate("fw"))
    return root.find("result/config/devices/entry")


def find(device, path):
    node = device.find(path)
    assert node is not None, path
    return node


def play(sim, inventory, name, psk, *extra):
    run = run_playbook(os.path.join(PLAYBOOKS, name), inventory, sim, psk, *extra)
    assert run.returncode == 0, run.output
    assert run.recap()["fw"]["failed"] == 0
    assert psk not in run.output
    return run


def test_crypto_profiles(firewall, inventory):
    play(firewall, inventory, "objects_crypto.yml", "crypto-objects-key")
    device = candidate_device(firewall)
    ipsec = "network/ike/crypto-profiles/ipsec-crypto-profiles/entry[@name='%s']"
    ike = "network/ike/crypto-profiles/ike-crypto-profiles/entry[@name='%s']"

    no_pfs = find(device, ipsec % "ipsec-no-pfs")
    assert no_pfs.findtext("dh-group") == "no-pfs"
    assert no_pfs.find("dh-group/member") is None
    assert find(device, ipsec % "ipsec-no-lifetime").find("lifetime") is None
    assert find(device, ipsec % "ipsec-ccm-lifesize").findtext("lifesize/gb") == "10"
    assert find(device, ipsec % "ipsec-ah").find("esp") is None
    gcm = find(device, ike % "ike-gcm-suite")
    assert [m.text for m in gcm.findall("hash/member")] == ["non-auth"]
    assert gcm.findtext("lifetime/hours") == "8"
    assert [m.text for m in gcm.findall("dh-group/member")][0] == "group21"
    assert device.find(ipsec % "ipsec-bad-gcm") is None


def test_gateways(firewall, inventory):
    play(firewall, inventory, "objects_gateway.yml", "gateway-objects-key")
    device = candidate_device(firewall)
    gateway = "network/ike/gateway/entry[@name='%s']"

    v1 = find(device, gateway % "gw-psk-v1")
    assert v1.find("protocol/ikev2") is None
    assert v1.findtext("protocol-common/nat-traversal/keep-alive-interval") == "30"
    assert v1.findtext("protocol-common/fragmentation/enable") == "yes"
    assert v1.findtext("peer-id/type") == "fqdn"
    assert v1.find("peer-id/matching") is None
    assert v1.findtext("authentication/pre-shared-key/key").startswith("-AQ==")

    cert = find(device, gateway % "gw-cert-v2")
    assert cert.find("protocol/ikev1") is None
    assert cert.find("protocol-common/fragmentation") is None
    assert cert.find("authentication/pre-shared-key") is None
    assert cert.findtext("authentication/certificate/local-certificate/name") == "fw-vpn-cert"
    assert cert.findtext("authentication/certificate/allow-id-payload-mismatch") == "no"

    assert [child.tag for child in find(device, gateway % "gw-interface-only").find("local-address")] == ["interface"]
    assert find(device, gateway % "gw-floating").findtext("local-address/floating-ip") == "198.51.100.50/24"
    assert find(device, gateway % "gw-dynamic").find("peer-address/dynamic") is not None
    assert device.find(gateway % "gw-v1-gcm") is None


def test_tunnels_proxy_ids_routes_and_zones(firewall, inventory):
    extra = ["-e", "corpus_dir=%s" % CORPUS] if os.path.isdir(CORPUS) else []
    run = play(firewall, inventory, "objects_tunnel.yml", "tunnel-objects-key", *extra)
    if extra:
        assert "Each module read its objects" in run.stdout
    device = candidate_device(firewall)
    tunnel = "network/tunnel/ipsec/entry[@name='%s']"

    t41 = find(device, tunnel % "t41")
    assert t41.findtext("anti-replay") == "no"
    assert t41.findtext("anti-replay-window") == "2048"
    assert [e.get("name") for e in t41.findall("auto-key/proxy-id/entry")] == ["v4-lan"]
    assert [e.get("name") for e in t41.findall("auto-key/proxy-id-v6/entry")] == ["v6-lan"]
    assert t41.findtext("tunnel-monitor/tunnel-monitor-profile") == "fo-objects"

    t42 = find(device, tunnel % "t42")
    assert sorted(e.get("name") for e in t42.findall("auto-key/proxy-id/entry")) == ["gre", "https"]
    assert t42.findtext("auto-key/proxy-id/entry[@name='gre']/protocol/number") == "47"
    assert t42.findtext("auto-key/proxy-id/entry[@name='https']/protocol/tcp/remote-port") == "443"
    assert t42.findtext("auto-key/proxy-id-v6/entry[@name='v6']/protocol/udp/remote-port") == "4500"

    routes = "network/virtual-router/entry[@name='default']/routing-table/ip/static-route/entry[@name='%s']"
    backup = find(device, routes % "vpc-backup")
    assert backup.find("nexthop") is None
    primary = find(device, routes % "vpc-primary")
    assert primary.findtext("path-monitor/monitor-destinations/entry[@name='peer-41']/count") == "4"

    zone = find(device, "vsys/entry[@name='vsys1']/zone/entry[@name='vpn-obj']")
    assert sorted(m.text for m in zone.findall("network/layer3/member")) == ["tunnel.41", "tunnel.42"]
    assert find(device, "network/profiles/monitor-profile/entry[@name='default']").findtext("action") == "wait-recover"
    assert find(device, "network/interface/tunnel/units/entry[@name='tunnel.41']").findtext("ipv6/enabled") == "yes"
