# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rehearsal: both ends of PAN-OS IPsec tunnels, negotiated by two real strongSwan daemons.

* ``proposals``: PAN-OS crypto profile values as strongSwan proposal strings.
* ``ends``: tunnel ends from a device, a configuration file, a role's plan or a declared peer.
* ``render``: swanctl.conf and strongswan.conf of one end, and the secret derived from its key.
* ``runner``: namespaces, veth pair, daemons, datagram test, and the cleanup of all of it.
* ``core``: one tunnel, from choosing the initiator to the result.
* ``logread``: the charon logs of a failure as a cause, a reason and the PAN-OS setting to change.
"""
