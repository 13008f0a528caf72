"""Offline stand-in for the get-pip script that ansible-test downloads.

ansible-test runs it inside a fresh virtualenv with pip options and the pinned pip
requirement as arguments. It installs the interpreter's bundled pip with ensurepip,
then lets that pip install the requested packages from the package index.

ansible-test runs pip with a reduced environment, so a CA bundle named only in the
environment (PIP_CERT, SSL_CERT_FILE) is lost. The system bundle is written into the
virtualenv's own pip.conf, which every later pip run in that virtualenv reads.
"""

import ensurepip
import os
import subprocess
import sys

SYSTEM_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")

for bundle in SYSTEM_BUNDLES:
    if os.path.exists(bundle):
        with open(os.path.join(sys.prefix, "pip.conf"), "w", encoding="utf-8") as config:
            config.write("[global]\ncert = %s\n" % bundle)
        break

ensurepip.bootstrap(upgrade=True)
# ensurepip points PIP_CONFIG_FILE at os.devnull for its own run; the install below needs the config.
os.environ.pop("PIP_CONFIG_FILE", None)
arguments = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + arguments))
