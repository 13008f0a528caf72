"""IKE and IPsec crypto profiles: every algorithm, lifetimes, lifesizes and version gates."""

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _resources as resources
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import RenderContext

from _objects import config_from, empty_config, plan, read, run

IKE_ENCRYPTION = ["des", "3des", "aes-128-cbc", "aes-192-cbc", "aes-256-cbc"]
IKE_HASHES = ["md5", "sha1", "sha256", "sha384", "sha512"]
DH_GROUPS = ["group1", "group2", "group5", "group14", "group15", "group16", "group19", "group20", "group21"]
ESP_ENCRYPTION = ["des", "3des", "aes-128-cbc", "aes-192-cbc", "aes-256-cbc", "aes-128-ccm", "null"]
ESP_AUTHENTICATION = ["none", "md5", "sha1", "sha256", "sha384", "sha512"]


def profile_entry(result, name=None):
    entry = result.write_ops[0].element
    assert name is None or entry.get("name") == name
    return entry


def test_ike_every_cbc_algorithm_round_trips():
    config = empty_config()
    profile = {"name": "all-cbc", "encryption": IKE_ENCRYPTION, "hash": IKE_HASHES, "dh_group": DH_GROUPS}
    first = run(resources.IkeCryptoProfile, [profile], config)
    entry = profile_entry(first)
    assert xml.members_of(entry, "encryption") == IKE_ENCRYPTION
    assert xml.members_of(entry, "hash") == IKE_HASHES
    assert xml.members_of(entry, "dh-group") == DH_GROUPS
    assert run(resources.IkeCryptoProfile, [profile], config).ops == []


@pytest.mark.parametrize("cipher", ["aes-128-gcm", "aes-256-gcm"])
def test_ike_gcm_writes_non_auth(cipher):
    config = empty_config()
    profile = {"name": "gcm", "encryption": [cipher], "hash": ["non-auth"], "dh_group": ["group20"]}
    entry = profile_entry(run(resources.IkeCryptoProfile, [profile], config))
    assert xml.members_of(entry, "hash") == ["non-auth"]
    assert read(resources.IkeCryptoProfile(), config)["gcm"].item["hash"] == ["non-auth"]
    assert run(resources.IkeCryptoProfile, [profile], config).ops == []


def test_ike_gcm_alone_defaults_hash_to_non_auth():
    entry = profile_entry(plan(resources.IkeCryptoProfile(), [{"name": "gcm", "encryption": ["aes-256-gcm"]}]))
    assert xml.members_of(entry, "hash") == ["non-auth"]


def test_ipsec_gcm_keeps_authentication_none():
    """IKE calls it non-auth and ESP calls it none; both keywords must stay as PAN-OS spells them."""
    entry = profile_entry(plan(resources.IpsecCryptoProfile(), [{"name": "p2", "esp_encryption": ["aes-128-gcm"]}]))
    assert xml.members_of(entry, "esp/authentication") == ["none"]


def test_ike_gcm_with_sha_rejected():
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IkeCryptoProfile(), [{"name": "p", "encryption": ["aes-256-gcm"], "hash": ["sha256"]}])
    assert "config[0].hash" in str(error.value)
    assert "[non-auth]" in str(error.value)


def test_ike_merge_into_gcm_rejected():
    config = empty_config()
    run(resources.IkeCryptoProfile, [{"name": "p", "encryption": ["aes-256-cbc"], "hash": ["sha384"]}], config)
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IkeCryptoProfile(), [{"name": "p", "encryption": ["aes-256-gcm"]}], config)
    assert "config[0].hash: ['sha384'] with GCM encryption" in str(error.value)


def test_ipsec_every_esp_algorithm_round_trips():
    config = empty_config()
    profile = {"name": "all-esp", "esp_encryption": ESP_ENCRYPTION, "esp_authentication": ESP_AUTHENTICATION[1:]}
    entry = profile_entry(run(resources.IpsecCryptoProfile, [profile], config))
    assert xml.members_of(entry, "esp/encryption") == ESP_ENCRYPTION
    assert run(resources.IpsecCryptoProfile, [profile], config).ops == []


@pytest.mark.parametrize("dh_group", ["no-pfs"] + DH_GROUPS)
def test_ipsec_dh_group_is_scalar(dh_group):
    config = empty_config()
    profile = {"name": "p2", "esp_encryption": ["aes-256-cbc"], "esp_authentication": ["sha1"], "dh_group": dh_group}
    entry = profile_entry(run(resources.IpsecCryptoProfile, [profile], config))
    node = entry.find("dh-group")
    assert node.text == dh_group
    assert len(node) == 0
    assert read(resources.IpsecCryptoProfile(), config)["p2"].item["dh_group"] == dh_group
    assert run(resources.IpsecCryptoProfile, [profile], config).ops == []


def test_ipsec_ah_profile_has_no_esp():
    config = empty_config()
    profile = {"name": "ah", "ah_authentication": ["sha256", "sha384"]}
    entry = profile_entry(run(resources.IpsecCryptoProfile, [profile], config))
    assert entry.find("esp") is None
    assert xml.members_of(entry, "ah/authentication") == ["sha256", "sha384"]
    assert run(resources.IpsecCryptoProfile, [profile], config).ops == []


def test_ipsec_switch_from_esp_to_ah():
    config = empty_config()
    run(resources.IpsecCryptoProfile, [{"name": "p2"}], config)
    result = run(resources.IpsecCryptoProfile, [{"name": "p2", "ah_authentication": ["sha256"]}], config, state="replaced")
    entry = profile_entry(result)
    assert entry.find("esp") is None
    assert entry.find("ah") is not None


@pytest.mark.parametrize(
    "resource, device_default",
    [(resources.IpsecCryptoProfile, "1h"), (resources.IkeCryptoProfile, "8h")],
    ids=["ipsec", "ike"],
)
def test_omitted_lifetime_not_written(resource, device_default):
    result = plan(resource(), [{"name": "p"}])
    assert profile_entry(result).find("lifetime") is None
    assert result.after["p"]["lifetime"] == device_default


@pytest.mark.parametrize(
    "resource, tag, amount",
    [(resources.IpsecCryptoProfile, "hours", "1"), (resources.IkeCryptoProfile, "seconds", "28800")],
    ids=["ipsec-1h", "ike-28800s"],
)
def test_default_lifetime_on_device_equals_omitted(resource, tag, amount):
    config = empty_config()
    run(resource, [{"name": "p"}], config)
    container = resource().container_tag
    entry = config.find(".//%s/entry[@name='p']" % container)
    xml.ensure_path(entry, "lifetime/%s" % tag).text = amount
    assert run(resource, [{"name": "p"}], config).ops == []


@pytest.mark.parametrize("value", ["3600", "3600s", "60m", "1h", "60 minutes"])
def test_lifetime_units_compare_in_seconds(value):
    config = empty_config()
    run(resources.IpsecCryptoProfile, [{"name": "p", "lifetime": "1h"}], config)
    entry = config.find(".//ipsec-crypto-profiles/entry[@name='p']")
    assert xml.text_of(entry, "lifetime/hours") == "1"
    assert run(resources.IpsecCryptoProfile, [{"name": "p", "lifetime": value}], config).ops == []


@pytest.mark.parametrize(
    "value, tag, amount",
    [("65535s", "seconds", "65535"), ("400d", "hours", "9600"), ("90m", "minutes", "90"), ("2d", "days", "2")],
)
def test_lifetime_written_in_one_unit(value, tag, amount):
    entry = profile_entry(plan(resources.IkeCryptoProfile(), [{"name": "p", "lifetime": value}]))
    assert [child.tag for child in entry.find("lifetime")] == [tag]
    assert xml.text_of(entry, "lifetime/%s" % tag) == amount


@pytest.mark.parametrize("value", ["60s", "179", "65537s", "65536h", "1 fortnight"])
def test_lifetime_out_of_range_rejected(value):
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IpsecCryptoProfile(), [{"name": "p", "lifetime": value}])
    assert "config[0].lifetime" in str(error.value)


@pytest.mark.parametrize(
    "value, tag, amount",
    [("10gb", "gb", "10"), ("1024mb", "gb", "1"), ("1025mb", "mb", "1025"), ("500", "kb", "500"), ("2tb", "tb", "2")],
)
def test_lifesize_written_in_one_unit(value, tag, amount):
    entry = profile_entry(plan(resources.IpsecCryptoProfile(), [{"name": "p", "lifesize": value}]))
    assert [child.tag for child in entry.find("lifesize")] == [tag]
    assert xml.text_of(entry, "lifesize/%s" % tag) == amount


def test_lifesize_units_compare_in_kilobytes():
    config = empty_config()
    run(resources.IpsecCryptoProfile, [{"name": "p", "lifesize": "1gb"}], config)
    entry = config.find(".//ipsec-crypto-profiles/entry[@name='p']")
    lifesize = entry.find("lifesize")
    lifesize.remove(lifesize[0])
    xml.ET.SubElement(lifesize, "mb").text = "1024"
    assert run(resources.IpsecCryptoProfile, [{"name": "p", "lifesize": "1048576"}], config).ops == []


@pytest.mark.parametrize("value", ["0kb", "65536tb", "70000kb", "ten gb"])
def test_lifesize_out_of_range_rejected(value):
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IpsecCryptoProfile(), [{"name": "p", "lifesize": value}])
    assert "config[0].lifesize" in str(error.value)


def test_esp_gcm_with_authentication_rejected():
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IpsecCryptoProfile(), [{"name": "p", "esp_encryption": ["aes-256-gcm"], "esp_authentication": ["sha256"]}])
    assert "config[0].esp_authentication" in str(error.value)
    assert "[none]" in str(error.value)


def test_authentication_multiple_written_and_compared():
    config = empty_config()
    entry = profile_entry(run(resources.IkeCryptoProfile, [{"name": "p", "authentication_multiple": 3}], config))
    assert xml.text_of(entry, "authentication-multiple") == "3"
    assert run(resources.IkeCryptoProfile, [{"name": "p", "authentication_multiple": 3}], config).ops == []
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IkeCryptoProfile(), [{"name": "p", "authentication_multiple": 51}])
    assert "config[0].authentication_multiple: 51 is out of range; allowed is 0 to 50" in str(error.value)


@pytest.mark.parametrize(
    "resource, item, option, value, needed",
    [
        (resources.IkeCryptoProfile, {"dh_group": ["group14", "group21"]}, "dh_group", "group21", "10.2.0"),
        (resources.IkeCryptoProfile, {"dh_group": ["group15"]}, "dh_group", "group15", "10.2.0"),
        (resources.IpsecCryptoProfile, {"dh_group": "group16"}, "dh_group", "group16", "10.2.0"),
    ],
)
def test_new_dh_groups_need_10_2(resource, item, option, value, needed):
    old = RenderContext((10, 1, 6))
    with pytest.raises(engine.ValidationError) as error:
        plan(resource(), [dict(item, name="p")], context=old)
    message = str(error.value)
    assert "config[0].%s: %s needs PAN-OS %s or later" % (option, value, needed) in message
    assert "PAN-OS 10.1.6" in message
    assert plan(resource(), [dict(item, name="p")], context=RenderContext((10, 2, 0))).ops


@pytest.mark.parametrize(
    "item, option, value",
    [
        ({"encryption": ["aes-256-gcm"], "hash": ["non-auth"]}, "encryption", "aes-256-gcm"),
        ({"encryption": ["aes-128-gcm"], "hash": ["non-auth"]}, "hash", "non-auth"),
    ],
)
def test_ike_gcm_needs_10_0_3(item, option, value):
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IkeCryptoProfile(), [dict(item, name="p")], context=RenderContext((9, 1, 0)))
    assert "config[0].%s: %s needs PAN-OS 10.0.3 or later, but the target runs PAN-OS 9.1.0" % (option, value) in str(error.value)


def test_version_check_runs_in_rendered_state():
    """rendered plans with the panos_version option as the target version."""
    context = RenderContext(engine.parse_version("10.1.0"))
    with pytest.raises(engine.ValidationError):
        engine.plan_changes(resources.IkeCryptoProfile(), [{"name": "p", "dh_group": ["group21"]}], {}, "replaced", engine.Scope(), context)


def test_unchanged_profile_not_version_checked():
    """A profile the device already contains is not written, so its values are not checked again."""
    config = config_from(
        "<config><devices><entry name='localhost.localdomain'><network><ike><crypto-profiles><ike-crypto-profiles>"
        "<entry name='p'><encryption><member>aes-256-cbc</member></encryption><hash><member>sha256</member></hash>"
        "<dh-group><member>group21</member></dh-group></entry>"
        "</ike-crypto-profiles></crypto-profiles></ike></network></entry></devices></config>"
    )
    result = plan(resources.IkeCryptoProfile(), [{"name": "p", "dh_group": ["group21"]}], config, context=RenderContext((10, 1, 0)))
    assert result.ops == []


def test_crypto_profile_name_limit():
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IpsecCryptoProfile(), [{"name": "p" * 32}])
    assert "at most 31" in str(error.value)
    assert plan(resources.IpsecCryptoProfile(), [{"name": "p" * 31}]).ops
