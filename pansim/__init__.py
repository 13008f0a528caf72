"""pansim: a stateful simulator of the PAN-OS XML API served over HTTPS.

Run it with ``python -m pansim --tls-dir DIR --device name=fw,port=18443``.
Each simulated firewall keeps a candidate and a running configuration, per-admin
change tracking, commit jobs, locks and device-style errors, so pan-os-python and
pan-python can be exercised against it as if it were a real firewall.
"""

__version__ = "0.1.0"
