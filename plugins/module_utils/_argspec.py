# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Option specs of the config modules, shared with the vpn transaction module.

The vpn module validates each element of its object lists against the same spec as the
module for that object type, so a list element takes exactly the options of that module's
``config``. Keeping each spec here, once, means the two cannot drift apart. Each module
keeps its own DOCUMENTATION, which validate-modules compares with the spec it imports.
"""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.validation import check_type_dict, check_type_list
from ansible.module_utils.errors import UnsupportedError

IKE_CRYPTO_PROFILE_OPTIONS = dict(
    name=dict(type="str", required=True),
    encryption=dict(
        type="list",
        elements="str",
        choices=["aes-128-cbc", "aes-192-cbc", "aes-256-cbc", "aes-128-gcm", "aes-256-gcm", "3des", "des"],
    ),
    hash=dict(
        type="list",
        elements="str",
        choices=["non-auth", "md5", "sha1", "sha256", "sha384", "sha512"],
        aliases=["authentication"],
    ),
    dh_group=dict(
        type="list",
        elements="str",
        choices=["group1", "group2", "group5", "group14", "group15", "group16", "group19", "group20", "group21"],
    ),
    lifetime=dict(type="str"),
    authentication_multiple=dict(type="int"),
)

IPSEC_CRYPTO_PROFILE_OPTIONS = dict(
    name=dict(type="str", required=True),
    esp_encryption=dict(
        type="list",
        elements="str",
        choices=["aes-128-cbc", "aes-192-cbc", "aes-256-cbc", "aes-128-ccm", "aes-128-gcm", "aes-256-gcm", "3des", "des", "null"],
    ),
    esp_authentication=dict(type="list", elements="str", choices=["none", "md5", "sha1", "sha256", "sha384", "sha512"]),
    ah_authentication=dict(type="list", elements="str", choices=["md5", "sha1", "sha256", "sha384", "sha512"]),
    dh_group=dict(
        type="str",
        choices=["no-pfs", "group1", "group2", "group5", "group14", "group15", "group16", "group19", "group20", "group21"],
    ),
    lifetime=dict(type="str"),
    lifesize=dict(type="str"),
)

TUNNEL_MONITOR_PROFILE_OPTIONS = dict(
    name=dict(type="str", required=True),
    action=dict(type="str", choices=["wait-recover", "fail-over"]),
    interval=dict(type="int"),
    threshold=dict(type="int"),
)

ZONE_OPTIONS = dict(
    name=dict(type="str", required=True),
    interfaces=dict(type="list", elements="str"),
    zone_protection_profile=dict(type="str"),
    log_setting=dict(type="str"),
    enable_user_identification=dict(type="bool"),
)

TUNNEL_INTERFACE_OPTIONS = dict(
    name=dict(type="str", required=True),
    ip=dict(type="list", elements="str"),
    mtu=dict(type="int"),
    comment=dict(type="str"),
    management_profile=dict(type="str"),
    netflow_profile=dict(type="str"),
    ipv6=dict(
        type="dict",
        options=dict(enable=dict(type="bool"), addresses=dict(type="list", elements="str")),
    ),
    zone=dict(type="str"),
    virtual_router=dict(type="str"),
)

ID_TYPES = ["ipaddr", "fqdn", "ufqdn", "keyid", "dn"]

IKE_GATEWAY_OPTIONS = dict(
    name=dict(type="str", required=True),
    version=dict(type="str", choices=["ikev1", "ikev2", "ikev2-preferred"]),
    interface=dict(type="str"),
    local_ip=dict(type="str"),
    local_ip_type=dict(type="str", choices=["ip", "floating-ip"]),
    peer_type=dict(type="str", choices=["ip", "fqdn", "dynamic"]),
    peer_address=dict(type="str"),
    authentication_type=dict(type="str", choices=["pre-shared-key", "certificate"]),
    pre_shared_key=dict(type="str", no_log=True),
    certificate=dict(
        type="dict",
        options=dict(
            local_certificate=dict(type="str"),
            certificate_profile=dict(type="str"),
            hash_and_url=dict(type="bool"),
            base_url=dict(type="str"),
            use_management_as_source=dict(type="bool"),
            allow_id_payload_mismatch=dict(type="bool"),
            strict_validation_revocation=dict(type="bool"),
        ),
    ),
    local_id=dict(
        type="dict",
        options=dict(type=dict(type="str", choices=ID_TYPES, required=True), id=dict(type="str", required=True)),
    ),
    peer_id=dict(
        type="dict",
        options=dict(
            type=dict(type="str", choices=ID_TYPES, required=True),
            id=dict(type="str", required=True),
            matching=dict(type="str", choices=["exact", "wildcard"]),
        ),
    ),
    ike_crypto_profile=dict(type="str"),
    exchange_mode=dict(type="str", choices=["auto", "main", "aggressive"]),
    dpd=dict(type="bool"),
    dpd_interval=dict(type="int"),
    dpd_retry=dict(type="int"),
    liveness_check=dict(type="bool"),
    liveness_interval=dict(type="int"),
    cookie_validation=dict(type="bool"),
    passive_mode=dict(type="bool"),
    nat_traversal=dict(type="bool"),
    nat_traversal_keepalive=dict(type="int"),
    nat_traversal_udp_checksum=dict(type="bool"),
    fragmentation=dict(type="bool"),
    enable_ipv6=dict(type="bool"),
    disabled=dict(type="bool"),
    comment=dict(type="str"),
)

PROXY_ID_OPTIONS = dict(
    name=dict(type="str", required=True),
    local=dict(type="str", required=True),
    remote=dict(type="str", required=True),
    protocol=dict(type="str", choices=["any", "number", "tcp", "udp"]),
    protocol_number=dict(type="int"),
    local_port=dict(type="int"),
    remote_port=dict(type="int"),
)

IPSEC_TUNNEL_OPTIONS = dict(
    name=dict(type="str", required=True),
    tunnel_interface=dict(type="str"),
    ike_gateway=dict(type="str"),
    ipsec_crypto_profile=dict(type="str"),
    proxy_ids=dict(type="list", elements="dict", options=PROXY_ID_OPTIONS),
    anti_replay=dict(type="bool"),
    anti_replay_window=dict(type="int", choices=[64, 128, 256, 512, 1024, 2048, 4096]),
    copy_tos=dict(type="bool"),
    tunnel_monitor=dict(
        type="dict",
        options=dict(
            enable=dict(type="bool"),
            destination_ip=dict(type="str"),
            proxy_id=dict(type="str"),
            profile=dict(type="str"),
        ),
    ),
    disabled=dict(type="bool"),
    comment=dict(type="str"),
    peer_policy_based=dict(type="bool"),
)

STATIC_ROUTE_OPTIONS = dict(
    name=dict(type="str", required=True),
    destination=dict(type="str"),
    interface=dict(type="str"),
    nexthop_type=dict(type="str", choices=["none", "ip-address", "next-vr", "fqdn", "discard"]),
    nexthop=dict(type="str"),
    metric=dict(type="int"),
    admin_distance=dict(type="int"),
    path_monitor=dict(
        type="dict",
        options=dict(
            enable=dict(type="bool"),
            failure_condition=dict(type="str", choices=["any", "all"]),
            hold_time=dict(type="int"),
            destinations=dict(
                type="list",
                elements="dict",
                options=dict(
                    name=dict(type="str", required=True),
                    enable=dict(type="bool"),
                    source=dict(type="str"),
                    destination=dict(type="str"),
                    interval=dict(type="int"),
                    count=dict(type="int"),
                ),
            ),
        ),
    ),
)

SECURITY_RULE_OPTIONS = dict(
    name=dict(type="str", required=True),
    description=dict(type="str"),
    from_zones=dict(type="list", elements="str"),
    to_zones=dict(type="list", elements="str"),
    source=dict(type="list", elements="str"),
    destination=dict(type="list", elements="str"),
    source_user=dict(type="list", elements="str"),
    application=dict(type="list", elements="str"),
    service=dict(type="list", elements="str"),
    category=dict(type="list", elements="str"),
    action=dict(type="str", choices=["allow", "deny", "drop", "reset-client", "reset-server", "reset-both"]),
    log_start=dict(type="bool"),
    log_end=dict(type="bool"),
    log_setting=dict(type="str"),
    profile_group=dict(type="str"),
    disabled=dict(type="bool"),
    tag=dict(type="list", elements="str"),
    negate_source=dict(type="bool"),
    negate_destination=dict(type="bool"),
    rule_type=dict(type="str", choices=["universal", "intrazone", "interzone"]),
    position=dict(type="str", choices=["top", "bottom", "before", "after"]),
    reference_rule=dict(type="str"),
)

NAT_EXEMPT_RULE_OPTIONS = dict(
    name=dict(type="str", required=True),
    description=dict(type="str"),
    from_zones=dict(type="list", elements="str"),
    to_zones=dict(type="list", elements="str"),
    to_interface=dict(type="str"),
    source=dict(type="list", elements="str"),
    destination=dict(type="list", elements="str"),
    service=dict(type="str"),
    disabled=dict(type="bool"),
    tag=dict(type="list", elements="str"),
)

# The object lists of the vpn module's ``config``, keyed as the sections of a transaction,
# each element with the options of the module for that object type.
TRANSACTION_OPTIONS = dict(
    ike_crypto_profiles=IKE_CRYPTO_PROFILE_OPTIONS,
    ipsec_crypto_profiles=IPSEC_CRYPTO_PROFILE_OPTIONS,
    tunnel_monitor_profiles=TUNNEL_MONITOR_PROFILE_OPTIONS,
    zones=ZONE_OPTIONS,
    tunnel_interfaces=TUNNEL_INTERFACE_OPTIONS,
    ike_gateways=IKE_GATEWAY_OPTIONS,
    ipsec_tunnels=IPSEC_TUNNEL_OPTIONS,
    static_routes=STATIC_ROUTE_OPTIONS,
    security_rules=SECURITY_RULE_OPTIONS,
    nat_exempt_rules=NAT_EXEMPT_RULE_OPTIONS,
)

TRANSACTION_CONFIG_OPTIONS = {
    key: dict(type="list", elements="dict", options=options) for key, options in TRANSACTION_OPTIONS.items()
}


def validate_options(spec, params, path):
    """Validate the dict ``params`` against ``spec`` the way AnsibleModule validates suboptions.

    Return the validated dict and a list of errors. The dict has every option of ``spec``
    (None when not given), with aliases resolved and values converted to their types. Each
    error starts with the option's path, such as ``config.ipsec_tunnels[0].proxy_ids[1].protocol``,
    and goes on with Ansible's own message, which names the allowed choices.
    """
    validated = {}
    errors = []
    known = set()

    # One option at a time, so that each of Ansible's messages belongs to a known option.
    for option, option_spec in spec.items():
        names = [option] + list(option_spec.get("aliases") or [])
        known.update(names)
        option_params = {name: params[name] for name in names if name in params}
        result = ArgumentSpecValidator({option: _without_suboptions(option_spec)}).validate(option_params)
        where = "%s.%s" % (path, option)
        if result.error_messages:
            errors.extend("%s: %s" % (where, message) for message in result.error_messages)
            continue
        value = result.validated_parameters.get(option)
        if option_spec.get("options") and value is not None:
            value, nested_errors = _validate_suboptions(option_spec["options"], value, where)
            errors.extend(nested_errors)
        validated[option] = value

    flat_spec = {option: _without_suboptions(option_spec) for option, option_spec in spec.items()}
    for name in params:
        if name in known:
            continue
        result = ArgumentSpecValidator(flat_spec).validate({name: params[name]})
        errors.extend(
            "%s.%s: Unsupported parameters: %s" % (path, name, error.error_message)
            for error in result.errors
            if isinstance(error, UnsupportedError)
        )
    return validated, errors


def _without_suboptions(option_spec):
    return {key: value for key, value in option_spec.items() if key != "options"}


def _validate_suboptions(spec, value, path):
    """Validate a dict option's value, or each element of a list of dicts."""
    if isinstance(value, dict):
        return validate_options(spec, value, path)
    validated = []
    errors = []
    for index, element in enumerate(value):
        element, element_errors = validate_options(spec, element, "%s[%d]" % (path, index))
        validated.append(element)
        errors.extend(element_errors)
    return validated, errors


def no_log_values(spec, params):
    """Collect the values of the no_log options in ``params``, at every depth, before validation.

    Ansible masks no_log values only for options its argument spec declares. The vpn module's
    lists have no suboptions there, so the module adds these values to ``module.no_log_values``
    itself. A dict given as a JSON or ``key=value`` string, or a list given as a comma-separated
    string, is read as Ansible would convert it.
    """
    values = set()
    params = _as_dict(params)
    if params is None:
        return values
    for option, option_spec in spec.items():
        for name in [option] + list(option_spec.get("aliases") or []):
            value = params.get(name)
            if value is None:
                continue
            if option_spec.get("no_log"):
                values.update(_strings_in(value))
            elif option_spec.get("options") and option_spec.get("type") == "list":
                for element in _as_list(value):
                    values.update(no_log_values(option_spec["options"], element))
            elif option_spec.get("options"):
                values.update(no_log_values(option_spec["options"], value))
    return values


def _strings_in(value):
    if isinstance(value, dict):
        return {text for item in value.values() for text in _strings_in(item)}
    if isinstance(value, (list, tuple)):
        return {text for item in value for text in _strings_in(item)}
    if isinstance(value, bool) or value is None:
        return set()
    text = str(value)
    # An empty string would match everywhere in the output.
    return {text} if text else set()


def _as_dict(value):
    try:
        return check_type_dict(value)
    except (TypeError, ValueError):
        return None


def _as_list(value):
    try:
        return check_type_list(value)
    except (TypeError, ValueError):
        return []
