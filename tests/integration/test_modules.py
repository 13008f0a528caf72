"""Single-module behaviour and failure reporting against pansim."""

import os

import pytest

from conftest import make_inventory, run_playbook

HERE = os.path.dirname(__file__)


@pytest.fixture(scope="module")
def inventory(demo_devices, tmp_path_factory):
    return make_inventory(tmp_path_factory.mktemp("inventory"), demo_devices)


def test_module_states_and_idempotency(demo_devices, inventory):
    run = run_playbook(os.path.join(HERE, "playbooks", "module_checks.yml"), inventory, demo_devices, "module-check-key")
    assert run.returncode == 0, run.output
    assert run.recap()["branch2"]["failed"] == 0


def test_commit_failure_reports_device_lines(demo_devices, inventory):
    running_before = demo_devices.running("branch1")

    run = run_playbook(os.path.join(HERE, "playbooks", "commit_failure.yml"), inventory, demo_devices, "commit-failure-key")

    assert run.returncode != 0
    assert "commit job" in run.stdout
    assert "tunnel.55" in run.stdout
    assert "commit failed" in run.stdout
    assert demo_devices.running("branch1") == running_before
    assert "commit-failure-key" not in run.output


def test_dangling_reference_rejected_before_write(demo_devices, inventory):
    candidate_before = demo_devices.candidate("branch1")

    run = run_playbook(os.path.join(HERE, "playbooks", "dangling_reference.yml"), inventory, demo_devices, "dangling-key")

    assert run.returncode != 0
    assert "config[0].tunnel_interface: tunnel interface 'tunnel.99' does not exist" in run.stdout
    assert "config[0].ike_gateway: IKE gateway 'gw-missing' does not exist" in run.stdout
    assert demo_devices.candidate("branch1") == candidate_before


def test_wrong_password_reported(demo_devices, inventory):
    run = run_playbook(
        os.path.join(HERE, "playbooks", "module_checks.yml"),
        inventory,
        demo_devices,
        "wrong-password-key",
        env={"PANOS_PASSWORD": "not-the-password"},
    )
    assert run.returncode != 0
    assert "403" in run.stdout
    assert "not-the-password" not in run.output


def make_other_ca(path):
    """Write a self-signed CA certificate that did not sign pansim's certificate."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "unrelated test CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def test_untrusted_certificate_rejected(demo_devices, inventory, tmp_path):
    other_ca = tmp_path / "other-ca.pem"
    make_other_ca(other_ca)
    run = run_playbook(
        os.path.join(HERE, "playbooks", "module_checks.yml"),
        inventory,
        demo_devices,
        "tls-key",
        env={"PANOS_CA_PATH": str(other_ca)},
    )
    assert run.returncode != 0
    assert "CERTIFICATE_VERIFY_FAILED" in run.stdout


def test_logical_router_route(demo_devices, inventory):
    run = run_playbook(os.path.join(HERE, "playbooks", "logical_router.yml"), inventory, demo_devices, "lr-key")
    assert run.returncode == 0, run.output


def test_rules_in_vpn_transaction(demo_devices, inventory):
    run = run_playbook(os.path.join(HERE, "playbooks", "vpn_rules.yml"), inventory, demo_devices, "rules-key")
    assert run.returncode == 0, run.output


def test_missing_router_or_profile_rejected(demo_devices, inventory):
    before = (demo_devices.candidate("branch1"), demo_devices.running("branch1"))

    run = run_playbook(os.path.join(HERE, "playbooks", "missing_router.yml"), inventory, demo_devices, "router-key")

    assert run.returncode == 0, run.output
    assert (demo_devices.candidate("branch1"), demo_devices.running("branch1")) == before
    assert "defualt" not in demo_devices.candidate("branch1")
