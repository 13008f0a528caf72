# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Facts shared by several object types."""

from __future__ import annotations

import re

# Tunnel interfaces are tunnel.N with N from 1 to 9999.
TUNNEL_NAME = re.compile(r"^tunnel\.([1-9][0-9]{0,3})$")
