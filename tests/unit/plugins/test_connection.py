"""Provider settings are checked before any request."""

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils._connection import ConnectionSettingsError, check_provider

GOOD = {"host": "fw1.example.net", "port": 443, "password": "x", "timeout": 60, "retries": 3, "validate_certs": True}


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({"host": None}, "provider.host is missing"),
        ({"host": "https://fw1.example.net"}, "without a scheme, path or port"),
        ({"host": "fw1.example.net:8443"}, "set provider.port"),
        ({"password": None}, "provider.password or provider.api_key is required"),
        ({"timeout": 0}, "provider.timeout: 0 is invalid"),
        ({"retries": -1}, "provider.retries: -1 is invalid"),
        ({"port": 70000}, "provider.port: 70000 is out of range"),
        ({"ca_path": "/nonexistent/ca.pem"}, "provider.ca_path: /nonexistent/ca.pem does not exist"),
    ],
)
def test_bad_provider_rejected(change, fragment):
    with pytest.raises(ConnectionSettingsError) as error:
        check_provider(dict(GOOD, **change))
    assert fragment in str(error.value)


def test_good_provider_accepted():
    check_provider(GOOD)
    check_provider(dict(GOOD, host="2001:db8::1"))
    check_provider(dict(GOOD, password=None, api_key="LUFRPT"))
