"""The vpn module: element validation with option paths, and pre-shared key masking.

Each test runs the module's main() as Ansible would, with its arguments patched in, and
reads the JSON result it prints. States rendered and parsed contact no device, and a
test that needs a device state replaces the device class with one that records its use.
"""

import contextlib
import io
import json

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ipsec.panos.plugins.module_utils import _argspec
from ansible_collections.ipsec.panos.plugins.module_utils import _transaction as transaction
from ansible_collections.ipsec.panos.plugins.modules import ike_crypto_profile
from ansible_collections.ipsec.panos.plugins.modules import ike_gateway
from ansible_collections.ipsec.panos.plugins.modules import ipsec_crypto_profile
from ansible_collections.ipsec.panos.plugins.modules import ipsec_tunnel
from ansible_collections.ipsec.panos.plugins.modules import static_route
from ansible_collections.ipsec.panos.plugins.modules import tunnel_interface
from ansible_collections.ipsec.panos.plugins.modules import tunnel_monitor_profile
from ansible_collections.ipsec.panos.plugins.modules import vpn
from ansible_collections.ipsec.panos.plugins.modules import zone

PSK = "Hub-psk-7c1e9a"
GATEWAY = {
    "name": "gw1",
    "interface": "ethernet1/1",
    "peer_address": "192.0.2.9",
    "pre_shared_key": PSK,
    "ike_crypto_profile": "p1",
}


def run_module(args):
    """Run the vpn module with ``args``; return its result and the raw text it printed."""
    printed = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(printed):
        with pytest.raises(SystemExit):
            vpn.main()
    return json.loads(printed.getvalue()), printed.getvalue()


def rendered(config):
    return run_module({"state": "rendered", "config": config})


class DeviceOpened(AssertionError):
    pass


@pytest.fixture
def no_device(monkeypatch):
    """Make any attempt to reach a device fail the test."""

    def open_device(*args, **kwargs):
        raise DeviceOpened("the module tried to reach a device")

    monkeypatch.setattr(transaction, "Device", open_device)


# -- shared option specs --------------------------------------------------------


@pytest.mark.parametrize(
    "module, spec",
    [
        (ike_crypto_profile, _argspec.IKE_CRYPTO_PROFILE_OPTIONS),
        (ipsec_crypto_profile, _argspec.IPSEC_CRYPTO_PROFILE_OPTIONS),
        (tunnel_monitor_profile, _argspec.TUNNEL_MONITOR_PROFILE_OPTIONS),
        (zone, _argspec.ZONE_OPTIONS),
        (tunnel_interface, _argspec.TUNNEL_INTERFACE_OPTIONS),
        (ike_gateway, _argspec.IKE_GATEWAY_OPTIONS),
        (ipsec_tunnel, _argspec.IPSEC_TUNNEL_OPTIONS),
        (static_route, _argspec.STATIC_ROUTE_OPTIONS),
    ],
)
def test_module_uses_shared_spec(module, spec):
    assert module.CONFIG_OPTIONS is spec


def test_config_keys_match_sections():
    assert list(_argspec.TRANSACTION_OPTIONS) == [key for key, _name in transaction.SECTIONS]
    assert list(vpn.CONFIG_LISTS) == [key for key, _name in transaction.SECTIONS]


# -- element validation -----------------------------------------------------------


def test_invalid_choice_named_by_path(no_device):
    result, _text = run_module(
        {
            "state": "merged",
            "provider": {"host": "127.0.0.1", "password": "x"},
            "config": {"ike_gateways": [GATEWAY, dict(GATEWAY, name="gw2", version="ikev3")]},
        }
    )
    assert result["failed"] is True
    assert result["errors"] == [
        "config.ike_gateways[1].version: value of version must be one of: ikev1, ikev2, ikev2-preferred, got: ikev3"
    ]
    assert result["msg"].startswith("Invalid input: config.ike_gateways[1].version")


def test_nested_errors_named_by_path():
    tunnel = {
        "name": "t1",
        "proxy_ids": [
            {"name": "a", "local": "10.0.0.0/16", "remote": "10.1.0.0/24"},
            {"name": "b", "local": "10.0.0.0/16", "remote": "10.2.0.0/24", "protocol": "icmp", "local_port": "any"},
        ],
        "tunnel_monitor": {"enable": "maybe"},
    }
    result, _text = rendered({"ipsec_tunnels": [tunnel]})
    errors = result["errors"]
    assert "config.ipsec_tunnels[0].proxy_ids[1].protocol: value of protocol must be one of: any, number, tcp, udp, got: icmp" in errors
    assert any(e.startswith("config.ipsec_tunnels[0].proxy_ids[1].local_port: argument 'local_port' is of type") for e in errors)
    assert any(e.startswith("config.ipsec_tunnels[0].tunnel_monitor.enable: argument 'enable' is of type") for e in errors)
    assert len(errors) == 3


def test_list_choice_error_lists_allowed_values():
    result, _text = rendered({"ike_crypto_profiles": [{"name": "p1", "dh_group": ["group20", "group99"]}]})
    assert result["errors"] == [
        "config.ike_crypto_profiles[0].dh_group: value of dh_group must be one or more of: group1, group2, group5, "
        "group14, group15, group16, group19, group20, group21. Got no match for: group99"
    ]


def test_missing_required_option_named():
    result, _text = rendered({"static_routes": [{"destination": "10.9.0.0/16", "interface": "tunnel.5"}]})
    assert result["errors"] == ["config.static_routes[0].name: missing required arguments: name"]


def test_missing_required_suboption_named():
    result, _text = rendered({"ike_gateways": [dict(GATEWAY, peer_id={"type": "fqdn"})]})
    assert result["errors"] == ["config.ike_gateways[0].peer_id.id: missing required arguments: id"]


def test_unknown_option_named_with_supported_list():
    result, _text = rendered({"zones": [{"name": "vpn", "interface": ["tunnel.5"]}]})
    assert len(result["errors"]) == 1
    error = result["errors"][0]
    assert error.startswith("config.zones[0].interface: Unsupported parameters: interface. Supported parameters include: ")
    assert "interfaces" in error


def test_element_not_a_dict_rejected():
    result, _text = rendered({"ike_crypto_profiles": [["p1"]]})
    assert result["failed"] is True
    assert result["msg"].startswith("Elements value for option 'ike_crypto_profiles' found in 'config' is of type list")


def test_section_not_a_list_named():
    _validated, errors = _argspec.validate_options(_argspec.TRANSACTION_CONFIG_OPTIONS, {"zones": 5}, "config")
    assert errors == ["config.zones: Elements value for option 'zones' is of type str and we were unable to convert to dict: "
                      "dictionary requested, could not parse JSON or key=value"]


def test_unknown_config_key_rejected():
    result, _text = rendered({"ike_gateway": [GATEWAY]})
    assert result["failed"] is True
    assert "ike_gateway" in result["msg"]
    assert "Unsupported parameters" in result["msg"]


def test_every_error_reported_at_once():
    result, _text = rendered(
        {
            "ike_crypto_profiles": [{"name": "p1", "encryption": ["aes-512"]}],
            "static_routes": [{"name": "r1", "nexthop_type": "gateway"}],
        }
    )
    paths = [error.split(":", 1)[0] for error in result["errors"]]
    assert paths == ["config.ike_crypto_profiles[0].encryption", "config.static_routes[0].nexthop_type"]


def test_values_converted_and_aliases_resolved():
    result, _text = rendered(
        {
            "ike_crypto_profiles": [{"name": "p1", "authentication": ["sha384"], "authentication_multiple": "2"}],
            "ipsec_tunnels": [
                {
                    "name": "t1",
                    "tunnel_interface": "tunnel.5",
                    "ike_gateway": "gw1",
                    "ipsec_crypto_profile": "p2",
                    "anti_replay_window": "2048",
                }
            ],
        }
    )
    assert "failed" not in result, result
    profile, tunnel = result["rendered"]
    assert "<hash><member>sha384</member></hash>" in profile["element"]
    assert "<authentication-multiple>2</authentication-multiple>" in profile["element"]
    assert "<anti-replay-window>2048</anti-replay-window>" in tunnel["element"]


def test_rendered_in_dependency_order():
    result, _text = rendered(
        {
            "static_routes": [{"name": "r1", "destination": "10.9.0.0/16", "interface": "tunnel.5"}],
            "ike_gateways": [GATEWAY],
            "ike_crypto_profiles": [{"name": "p1"}],
        }
    )
    containers = [op["xpath"].rsplit("/entry[", 1)[0].rsplit("/", 1)[1] for op in result["rendered"]]
    assert containers == ["ike-crypto-profiles", "gateway", "static-route"]


def test_element_checks_of_resource_still_run():
    result, _text = rendered({"static_routes": [{"name": "r1", "destination": "10.9.0.1/16", "interface": "tunnel.5"}]})
    assert result["failed"] is True
    assert any(error.startswith("config.static_routes[0].destination") for error in result["errors"])


# -- zones and tunnel interfaces ------------------------------------------------------


def test_replaced_zone_must_list_its_tunnel_interface():
    result, _text = run_module(
        {
            "state": "replaced",
            "running_config": "<config/>",
            "config": {
                "zones": [{"name": "vpn", "interfaces": ["tunnel.6"]}],
                "tunnel_interfaces": [{"name": "tunnel.5", "zone": "vpn"}],
            },
        }
    )
    assert result["errors"] == [
        "config.zones[0].interfaces: must list 'tunnel.5', because config.tunnel_interfaces[0].zone puts it in zone "
        "'vpn' and state=replaced leaves the zone with only the interfaces listed here"
    ]


def test_interface_in_two_zones_rejected():
    result, _text = rendered(
        {
            "zones": [{"name": "other", "interfaces": ["tunnel.5"]}],
            "tunnel_interfaces": [{"name": "tunnel.5", "zone": "vpn"}],
        }
    )
    assert result["errors"] == [
        "config.zones[0].interfaces: lists 'tunnel.5', which config.tunnel_interfaces[0].zone puts in zone 'vpn'. "
        "An interface can be in only one zone"
    ]


def test_merged_zone_may_leave_out_its_interfaces():
    result, _text = rendered({"zones": [{"name": "vpn"}], "tunnel_interfaces": [{"name": "tunnel.5", "zone": "vpn"}]})
    assert "failed" not in result, result


# -- pre-shared key masking -------------------------------------------------------------


def test_key_masked_in_rendered_output():
    result, text = rendered({"ike_crypto_profiles": [{"name": "p1"}], "ike_gateways": [GATEWAY]})
    assert "failed" not in result, result
    assert PSK not in text
    assert result["invocation"]["module_args"]["config"]["ike_gateways"][0]["pre_shared_key"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert "<key>********</key>" in result["rendered"][1]["element"]


def test_key_masked_when_element_invalid():
    result, text = rendered({"ike_gateways": [dict(GATEWAY, version="ikev3")]})
    assert result["failed"] is True
    assert PSK not in text


def test_key_masked_when_ansible_rejects_arguments():
    # AnsibleModule fails here inside its constructor, before main() gets the module object.
    result, text = run_module({"state": "merge", "config": {"ike_gateways": [GATEWAY]}})
    assert result["failed"] is True
    assert "value of state must be one of" in result["msg"]
    assert PSK not in text


def test_key_masked_in_message_quoting_it():
    # The key pasted into the wrong option is quoted back by that option's check.
    result, text = rendered({"ike_crypto_profiles": [{"name": "p1"}], "ike_gateways": [dict(GATEWAY, peer_address=PSK)]})
    assert result["failed"] is True
    assert any(error.startswith("config.ike_gateways[0].peer_address:") for error in result["errors"])
    assert "********" in result["msg"]
    assert PSK not in text


def test_key_masked_in_unknown_option():
    # A misspelt option is not known to be secret, but the key given correctly next to it is.
    result, text = rendered({"ike_gateways": [dict(GATEWAY, pre_shared_keys="other")]})
    assert result["failed"] is True
    assert PSK not in text


def test_numeric_key_masked():
    result, text = rendered({"ike_crypto_profiles": [{"name": "p1"}], "ike_gateways": [dict(GATEWAY, pre_shared_key=73910284)]})
    assert "failed" not in result, result
    assert "73910284" not in text


def test_key_in_json_string_config_masked():
    config = json.dumps({"ike_gateways": [dict(GATEWAY, version="ikev3")]})
    result, text = run_module({"state": "rendered", "config": config})
    assert result["failed"] is True
    assert PSK not in text


def test_key_masked_in_invocation_log(monkeypatch):
    logged = []
    monkeypatch.setattr(basic.AnsibleModule, "log", lambda self, msg, log_args=None: logged.append((msg, log_args)))
    rendered({"ike_crypto_profiles": [{"name": "p1"}], "ike_gateways": [GATEWAY]})
    assert len(logged) == 1
    assert "ike_gateways" in logged[0][0]
    assert PSK not in logged[0][0]
    assert PSK not in json.dumps(logged[0][1])


def test_no_log_values_found_at_every_depth():
    config = {
        "ike_gateways": [GATEWAY, dict(GATEWAY, name="gw2", pre_shared_key="second-key"), "name=gw3,pre_shared_key=third-key"],
        "ike_crypto_profiles": [{"name": "not-secret"}],
    }
    assert _argspec.no_log_values(_argspec.TRANSACTION_CONFIG_OPTIONS, config) == {PSK, "second-key", "third-key"}


def test_empty_key_not_a_no_log_value():
    config = {"ike_gateways": [dict(GATEWAY, pre_shared_key="")]}
    assert _argspec.no_log_values(_argspec.TRANSACTION_CONFIG_OPTIONS, config) == set()


# -- which types a task touches ---------------------------------------------------------

RUNNING_CONFIG = (
    '<config><devices><entry name="localhost.localdomain"><network><ike>'
    '<crypto-profiles><ike-crypto-profiles><entry name="p1"><encryption><member>aes-256-cbc</member></encryption>'
    "<hash><member>sha256</member></hash><dh-group><member>group20</member></dh-group></entry>"
    "</ike-crypto-profiles></crypto-profiles>"
    '<gateway><entry name="gw1"><protocol><version>ikev2</version><ikev2><ike-crypto-profile>p1</ike-crypto-profile>'
    "</ikev2></protocol><local-address><interface>ethernet1/1</interface></local-address>"
    "<peer-address><ip>192.0.2.9</ip></peer-address>"
    "<authentication><pre-shared-key><key>-AQ==c2VjcmV0</key></pre-shared-key></authentication></entry></gateway>"
    "</ike></network></entry></devices></config>"
)


def test_overridden_touches_given_types_only():
    sections = transaction.build_sections({"ike_gateways": [GATEWAY], "ike_crypto_profiles": None}, "overridden")
    assert [section.key for section in sections] == ["ike_gateways"]


def test_parsed_reads_every_type():
    result, _text = run_module({"state": "parsed", "running_config": RUNNING_CONFIG})
    assert "failed" not in result, result
    assert sorted(result["parsed"]) == sorted(key for key, _name in transaction.SECTIONS)
    assert [gateway["name"] for gateway in result["parsed"]["ike_gateways"]] == ["gw1"]
    assert [profile["name"] for profile in result["parsed"]["ike_crypto_profiles"]] == ["p1"]
    assert result["parsed"]["ipsec_tunnels"] == []
    assert result["parsed"]["ike_gateways"][0]["pre_shared_key"] == "********"
