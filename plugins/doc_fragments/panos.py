# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Documentation shared by the ipsec.panos modules."""

    PROVIDER = r"""
options:
  provider:
    description:
      - How to reach the PAN-OS device.
      - Every suboption falls back to a C(PANOS_*) environment variable, so an AWX or
        Automation Controller credential can inject them.
      - Set it once per play with C(module_defaults) and the C(group/ipsec.panos.panos) action group.
    type: dict
    default: {}
    suboptions:
      host:
        description:
          - Hostname or IP address of the firewall's management interface.
          - Falls back to E(PANOS_HOSTNAME), then E(PANOS_HOST).
        type: str
      port:
        description:
          - HTTPS port of the XML API.
          - Falls back to E(PANOS_PORT).
        type: int
        default: 443
      username:
        description:
          - Administrator name. Used to get an API key when O(provider.api_key) is not set,
            and by M(ipsec.panos.commit) to commit only this administrator's changes.
          - Falls back to E(PANOS_USERNAME).
        type: str
        default: admin
      password:
        description:
          - Administrator password.
          - Falls back to E(PANOS_PASSWORD).
        type: str
      api_key:
        description:
          - API key. When set, no keygen request is made.
          - Falls back to E(PANOS_API_KEY).
        type: str
      validate_certs:
        description:
          - Verify the device's TLS certificate.
          - Falls back to E(PANOS_VALIDATE_CERTS).
        type: bool
        default: true
      ca_path:
        description:
          - PEM file of the CA certificates to trust when verifying the device's certificate.
          - Falls back to E(PANOS_CA_PATH).
        type: path
      timeout:
        description:
          - Socket timeout of each API request, in seconds.
          - Falls back to E(PANOS_TIMEOUT).
        type: int
        default: 60
      serial:
        description:
          - Serial number of a firewall managed by the Panorama at O(provider.host). Requests then go to
            Panorama, which forwards them to that firewall, so one Panorama login reaches every firewall.
          - Falls back to E(PANOS_SERIAL).
        type: str
      retries:
        description:
          - How many times to retry a read after a transient transport error (time-out,
            refused connection, HTTP 5xx), with exponential backoff.
          - Configuration writes are never retried, because after a dropped connection the
            module cannot know whether the write landed.
          - Falls back to E(PANOS_RETRIES).
        type: int
        default: 3
requirements:
  - pan-os-python >= 1.13
  - pan-python >= 0.17
"""

    RESOURCE_STATES = r"""
options:
  state:
    description:
      - V(merged) adds the objects in O(config) and changes the options given; other options and objects stay.
      - V(replaced) makes each object in O(config) exactly as given; options left out take their defaults.
      - V(overridden) makes the objects of this type in this scope exactly O(config) and deletes
        the others. Predefined objects (such as the C(default) crypto profiles) are never deleted.
        An empty O(config) is rejected.
      - V(deleted) deletes the objects named in O(config), or every non-predefined object of this type when O(config) is empty.
        Predefined objects and objects that other objects still use are not deleted; the task fails before writing anything.
      - V(gathered) reads the objects from the device and returns them in RV(gathered).
      - V(rendered) contacts no device and returns, in RV(rendered), the API actions that would
        create O(config) on an empty device of version O(panos_version).
      - V(parsed) contacts no device and reads the objects from O(running_config) into RV(parsed).
    type: str
    choices: [merged, replaced, overridden, deleted, gathered, rendered, parsed]
    default: merged
  vsys:
    description:
      - The virtual system whose zones, rules and interface imports the task manages.
      - Objects that live outside any vsys (crypto profiles, IKE gateways, IPsec tunnels, routes)
        are the same for every vsys, so this option does not change where they are written.
    type: str
    default: vsys1
  template:
    description:
      - Write to this Panorama template instead of a firewall. O(provider.host) is then the Panorama.
      - Values such as V($peer_ip) are accepted where an address is expected, and are left for
        Panorama to resolve from the template's variables.
      - Mutually exclusive with O(template_stack).
    type: str
  template_stack:
    description:
      - Write to this Panorama template stack, for example to override per-site values of a shared template.
      - Mutually exclusive with O(template).
    type: str
  running_config:
    description:
      - A PAN-OS configuration in XML, as exported from a device. Used with O(state=parsed).
    type: str
  config_lock:
    description:
      - Hold the configuration lock from before the task's read until after its write (and its
        commit, in M(ipsec.panos.vpn) with O(ipsec.panos.vpn#module:commit)), so no other
        administrator, and no other run with O(config_lock), can change the configuration in
        between. The lock is released when the task ends, also when it fails.
      - A lock held by another administrator, or by another session of the same administrator
        (another playbook run), is waited for up to O(lock_timeout) seconds. Then the task fails
        before reading, naming the holder, the time the lock was taken and its comment.
      - Only with O(state=merged), O(state=replaced), O(state=overridden) or O(state=deleted),
        and never in check mode.
      - PAN-OS locks per administrator, so runs that write without O(config_lock) are not held
        back by it.
    type: bool
    default: false
  lock_timeout:
    description:
      - Seconds to wait for a configuration lock that somebody else holds, with O(config_lock).
        V(0) fails at once.
    type: int
    default: 0
  revert_on_failure:
    description:
      - When the task fails after its write may have reached the device (the connection
        dropped during the write, or the check that follows it failed), revert the
        uncommitted changes of O(provider.username) in the candidate configuration
        (C(revert config partial admin)), so no half-written change is left for a commit.
      - This reverts every uncommitted change of that administrator, also changes made before
        this task. It is skipped while another session of the same administrator holds the
        configuration lock, because that run's changes would go too. When it is off, skipped, or
        fails too, the error names what to revert by hand.
      - A write that the device refused was not applied, so nothing is reverted then.
    type: bool
    default: true
  panos_version:
    description:
      - The PAN-OS version to render for, with O(state=rendered) and O(state=parsed).
        With a device, its own version is used.
    type: str
    default: 10.2.0
notes:
  - A task makes one configuration read and at most one write, a single all-or-nothing
    C(multi-config) request, however many objects O(config) lists.
  - Changes go to the candidate configuration. Use M(ipsec.panos.commit) to commit them.
  - In check mode nothing is written, not even to the candidate configuration, and
    RV(after) is the predicted result.
"""

    ATTRIBUTES = r"""
attributes:
  check_mode:
    support: full
    description: Reports what would change and writes nothing, not even to the candidate configuration.
  diff_mode:
    support: full
    description: Returns before and after of the changed objects, with secrets masked.
  idempotent:
    support: full
    description: A second run with the same input reports no change. Pre-shared keys are compared by the SHA-1 fingerprint PAN-OS stores.
  platform:
    platforms: panos
    support: full
    description: Palo Alto Networks PAN-OS firewalls.
  action_group:
    support: full
    membership:
      - ipsec.panos.panos
    description: Use C(group/ipsec.panos.panos) in C(module_defaults) to set O(provider) once.
"""
