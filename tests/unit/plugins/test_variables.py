"""Template variables must be defined before a task writes them."""

from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _resources as resources
from ansible_collections.ipsec.panos.plugins.module_utils import _variables as variables
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import RenderContext

CONTEXT = RenderContext((10, 2, 0))
GATEWAY = {
    "name": "gw-hub",
    "interface": "ethernet1/1",
    "local_ip": "$wan_ip",
    "peer_address": "$hub_ip",
    "pre_shared_key": "k",
    "ike_crypto_profile": "p1",
}


def test_undefined_variable_named():
    scope = engine.Scope(template="branch-tpl")
    plan = engine.plan_changes(resources.IkeGateway(), [GATEWAY], {}, "merged", scope, CONTEXT)
    result = xml.from_string("<result><variable><entry name='$wan_ip'/></variable></result>")
    errors = variables.check_defined(plan, [GATEWAY], variables.defined_names(result))
    assert errors == [
        "config[0]: template variable $hub_ip is not defined in the template or stack; define it there first, "
        "or Panorama's commit will fail"
    ]


def test_defined_variables_pass():
    scope = engine.Scope(template="branch-tpl")
    plan = engine.plan_changes(resources.IkeGateway(), [GATEWAY], {}, "merged", scope, CONTEXT)
    result = xml.from_string("<result><variable><entry name='$wan_ip'/><entry name='$hub_ip'/></variable></result>")
    assert variables.check_defined(plan, [GATEWAY], variables.defined_names(result)) == []


def test_definition_xpaths_per_scope():
    assert variables.definition_xpaths(engine.Scope()) == []
    assert variables.definition_xpaths(engine.Scope(template="t"))[0].endswith("/template/entry[@name='t']/variable")
    stack = variables.definition_xpaths(engine.Scope(template_stack="s"))
    assert any("/template-stack/entry[@name='s']/variable" in x for x in stack)
