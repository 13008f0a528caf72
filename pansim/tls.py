"""A fresh certificate authority and server certificate for each pansim run.

The CA certificate is written to ``DIR/ca.pem`` so clients can verify the
server (pass it as ``ca_path`` or ``cafile``). The server certificate covers
``127.0.0.1``, ``localhost`` and ``::1``.
"""

import datetime
import ipaddress
import os
import ssl
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE = "ca.pem"
SERVER_CERT_FILE = "server.pem"
SERVER_KEY_FILE = "server-key.pem"
VALIDITY = datetime.timedelta(days=30)


@dataclass
class TlsFiles:
    ca: str
    certificate: str
    key: str


def _name(common_name):
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pansim"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _builder(subject, issuer, public_key, now):
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        # A small backdate tolerates clock differences between client and server.
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
    )


def _make_ca(now):
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("pansim test CA")
    certificate = (
        _builder(name, name, key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _make_server(ca_key, ca_certificate, now):
    key = ec.generate_private_key(ec.SECP256R1())
    names = x509.SubjectAlternativeName([
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ])
    certificate = (
        _builder(_name("localhost"), ca_certificate.subject, key.public_key(), now)
        .add_extension(names, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, certificate


def _write(path, data, private=False):
    """Write a file, readable only by the owner when it contains a private key."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    descriptor = os.open(path, flags, 0o600 if private else 0o644)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def generate(directory):
    """Create a new CA and server certificate in ``directory`` and return the file paths."""
    os.makedirs(directory, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, ca_certificate = _make_ca(now)
    server_key, server_certificate = _make_server(ca_key, ca_certificate, now)

    files = TlsFiles(
        ca=os.path.join(directory, CA_FILE),
        certificate=os.path.join(directory, SERVER_CERT_FILE),
        key=os.path.join(directory, SERVER_KEY_FILE),
    )
    _write(files.ca, ca_certificate.public_bytes(serialization.Encoding.PEM))
    chain = server_certificate.public_bytes(serialization.Encoding.PEM)
    _write(files.certificate, chain)
    key_pem = server_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write(files.key, key_pem, private=True)
    return files


def server_context(files):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(files.certificate, files.key)
    return context
