"""Configuration actions on a Node tree: get, show, set, edit, delete, rename, move, clone.

These functions know nothing about admins, locks or validation. Every mutation
goes through a Journal, so a multi-config request can undo what it did without
copying the whole tree first.
"""

from dataclasses import dataclass, field

from pansim import errors, xpath
from pansim.errors import ConfigError
from pansim.node import Node, parse_fragment, to_xml


class Journal:
    """Apply tree mutations and remember how to undo them."""

    def __init__(self, record=True):
        self._undo = [] if record else None

    def _remember(self, undo):
        if self._undo is not None:
            self._undo.append(undo)

    def attach(self, parent, child, position=None):
        if position is None:
            parent.append(child)
        else:
            parent.insert(position, child)
        self._remember(lambda: parent.remove(child))

    def detach(self, parent, child):
        position = parent.remove(child)
        self._remember(lambda: parent.insert(position, child))

    def replace(self, parent, old, new):
        position = parent.remove(old)
        parent.insert(position, new)

        def undo():
            parent.remove(new)
            parent.insert(position, old)

        self._remember(undo)

    def set_text(self, node, text):
        previous = node.text
        node.set_text(text)
        self._remember(lambda: node.set_text(previous))

    def set_attr(self, node, name, value):
        previous = node.attrib.get(name)
        node.set_attr(name, value)
        self._remember(lambda: node.set_attr(name, previous))

    def rollback(self):
        """Undo every recorded mutation, newest first."""
        while self._undo:
            self._undo.pop()()

    @property
    def size(self):
        """The number of recorded mutations, to tell whether an action changed anything."""
        return len(self._undo or ())


def no_conflicts(parent, tag):
    return ()


@dataclass
class Write:
    """One write action with its parsed parameters.

    ``elements`` are consumed by ``apply``: they get attached to the tree.
    """

    action: str
    xpath: xpath.XPath
    elements: list = field(default_factory=list)
    newname: str = None
    where: str = None
    dst: str = None
    source: xpath.XPath = None

    def element_text(self):
        return "".join(to_xml(element) for element in self.elements)


WRITE_ACTIONS = ("set", "edit", "delete", "rename", "move", "clone")


def parse_xpath(text, what="xpath"):
    if text is None:
        raise ConfigError(errors.BAD_REQUEST, f"Missing parameter: {what}")
    try:
        return xpath.parse(text)
    except xpath.XPathError as exc:
        raise ConfigError(errors.BAD_XPATH, f"Invalid xpath: {exc}") from exc


def parse_elements(text):
    """Parse an ``element`` request parameter into detached nodes."""
    if text is None:
        raise ConfigError(errors.BAD_REQUEST, "Missing parameter: element")
    try:
        return parse_fragment(text)
    except ValueError as exc:
        raise ConfigError(errors.MALFORMED_COMMAND, f"Malformed element: {exc}") from exc


def build_write(action, xpath_text, elements=None, newname=None, where=None, dst=None, source=None):
    """Check the parameters of a write action and return it as a Write."""
    if action not in WRITE_ACTIONS:
        raise ConfigError(errors.BAD_REQUEST, f"Invalid action: {action}")
    write = Write(action, parse_xpath(xpath_text), newname=newname, where=where, dst=dst)

    if action in ("set", "edit"):
        write.elements = list(elements or [])
        if action == "edit" and len(write.elements) != 1:
            raise ConfigError(errors.INVALID_OBJECT, "edit requires exactly one element")
        if action == "set" and not write.elements:
            raise ConfigError(errors.INVALID_OBJECT, "set requires an element")

    if action in ("rename", "clone") and not newname:
        raise ConfigError(errors.BAD_REQUEST, "Missing parameter: newname")
    if action == "move" and not where:
        raise ConfigError(errors.BAD_REQUEST, "Missing parameter: where")
    if action == "clone":
        write.source = parse_xpath(source, "from")
    return write


# Reads


def get(root, xp):
    """Return the nodes for a ``get`` result. Attribute paths give name-only copies."""
    result = []
    for path in xp.paths:
        for node in xpath.select_path(root, path):
            if path.attribute is None:
                result.append(node)
            elif path.attribute in node.attrib:
                result.append(Node(node.tag, {path.attribute: node.attrib[path.attribute]}))
    return result


def show(root, xp):
    """Return the single node (or attribute text) ``xp`` selects, as ``show`` requires."""
    matches = get(root, xp)
    if not matches:
        raise ConfigError(errors.OBJECT_NOT_PRESENT, "No such node")
    if len(matches) > 1:
        raise ConfigError(errors.OBJECT_NOT_UNIQUE, "show requires an xpath that selects one node")

    attribute = xp.paths[0].attribute
    if attribute is not None:
        return matches[0].attrib[attribute]
    return matches[0]


# Writes


def _single_path(write):
    try:
        return write.xpath.single_path()
    except xpath.XPathError as exc:
        raise ConfigError(errors.BAD_XPATH, f"Invalid xpath: {exc}") from exc


def _materialize(root, path, journal):
    try:
        return xpath.materialize(root, path, journal.attach)
    except xpath.XPathError as exc:
        raise ConfigError(errors.BAD_XPATH, f"Invalid xpath: {exc}") from exc


def _find(root, path):
    try:
        return xpath.find_single(root, path)
    except xpath.XPathError as exc:
        raise ConfigError(errors.BAD_XPATH, f"Invalid xpath: {exc}") from exc


def _matching_child(parent, incoming):
    name = incoming.attrib.get("name")
    if name is not None:
        return parent.find_entry(incoming.tag, name)
    if incoming.tag == "member":
        return parent.find_member("member", incoming.text)
    return parent.find_child(incoming.tag)


def _drop_conflicting(parent, tag, journal, exclusive):
    conflicts = exclusive(parent, tag)
    if not conflicts:
        return
    for sibling in list(parent.children):
        if sibling.tag in conflicts and sibling.tag != tag:
            journal.detach(parent, sibling)


def _merge_attributes(existing, incoming, journal):
    for name, value in incoming.attrib.items():
        if existing.attrib.get(name) != value:
            journal.set_attr(existing, name, value)


def merge(parent, incoming, journal, exclusive=no_conflicts):
    """Merge ``incoming`` into ``parent`` as ``set`` does: add and update, never delete.

    Member lists are unioned. Adding one branch of a schema choice (for example
    ``peer-address/fqdn``) removes the other branches, because the schema allows
    only one of them.
    """
    existing = _matching_child(parent, incoming)
    if existing is None:
        _drop_conflicting(parent, incoming.tag, journal, exclusive)
        journal.attach(parent, incoming)
        return

    _merge_attributes(existing, incoming, journal)
    if not incoming.children:
        if incoming.text is None or existing.text == incoming.text:
            return
        if existing.children:
            journal.replace(parent, existing, incoming)
        else:
            journal.set_text(existing, incoming.text)
        return

    if existing.text is not None:
        journal.set_text(existing, None)
    for child in list(incoming.children):
        merge(existing, child, journal, exclusive)


def apply_set(root, write, journal, exclusive=no_conflicts):
    target = _materialize(root, _single_path(write), journal)
    for element in write.elements:
        merge(target, element, journal, exclusive)


def _check_edit_element(step, element):
    if step.tag != element.tag:
        raise ConfigError(
            errors.INVALID_OBJECT,
            f" edit element <{element.tag}> does not match the xpath node '{step.tag}'",
        )

    identity = _identity(step)
    if identity is None:
        return
    kind, value = identity
    actual = element.attrib.get("name") if kind == "name" else (element.text or "")
    if actual != value:
        raise ConfigError(
            errors.INVALID_OBJECT,
            f" {step.tag} '{actual}' does not match the name '{value}' in the xpath",
        )


def _identity(step):
    try:
        return step.identity()
    except xpath.XPathError as exc:
        raise ConfigError(errors.BAD_XPATH, f"Invalid xpath: {exc}") from exc


def apply_edit(root, write, journal, exclusive=no_conflicts):
    """Replace the node the xpath names with the element, creating it when absent."""
    path = _single_path(write)
    if len(path.steps) < 2:
        raise ConfigError(errors.INVALID_OBJECT, "edit cannot replace the configuration root")

    element = write.elements[0]
    last = path.steps[-1]
    _check_edit_element(last, element)

    parent = _materialize(root, xpath.Path(path.steps[:-1]), journal)
    try:
        existing = xpath.find_step(parent, last)
    except xpath.XPathError as exc:
        raise ConfigError(errors.BAD_XPATH, f"Invalid xpath: {exc}") from exc
    if existing is None:
        _drop_conflicting(parent, element.tag, journal, exclusive)
        journal.attach(parent, element)
    else:
        journal.replace(parent, existing, element)


def apply_delete(root, write, journal):
    """Remove every node the xpath selects and return how many were removed."""
    if any(path.attribute for path in write.xpath.paths):
        raise ConfigError(errors.BAD_XPATH, "Invalid xpath: an attribute cannot be deleted")

    removed = 0
    for node in xpath.select(root, write.xpath):
        if node.parent is None:
            raise ConfigError(errors.INVALID_OBJECT, "delete cannot remove the configuration root")
        journal.detach(node.parent, node)
        removed += 1
    return removed


def _existing_entry(root, write):
    node = _find(root, _single_path(write))
    if node is None:
        raise ConfigError(errors.OBJECT_NOT_PRESENT, "No such node")
    if node.parent is None or "name" not in node.attrib:
        raise ConfigError(errors.INVALID_OBJECT, f" {node.tag} is not a named entry")
    return node


def _check_free_name(parent, tag, newname, keep=None):
    clash = parent.find_entry(tag, newname)
    if clash is not None and clash is not keep:
        raise ConfigError(errors.INVALID_OBJECT, f" {newname} already exists")


def apply_rename(root, write, journal):
    node = _existing_entry(root, write)
    if node.name == write.newname:
        return
    _check_free_name(node.parent, node.tag, write.newname, keep=node)
    journal.set_attr(node, "name", write.newname)


def _move_position(parent, node, where, dst):
    if where == "top":
        return 0
    if where == "bottom":
        return len(parent.children)
    if where not in ("before", "after"):
        raise ConfigError(errors.BAD_REQUEST, f"Invalid value for where: '{where}'")
    if not dst:
        raise ConfigError(errors.BAD_REQUEST, "Missing parameter: dst")
    if dst == node.name:
        raise ConfigError(errors.OPERATION_NOT_POSSIBLE, f" cannot move {dst} relative to itself")

    anchor = parent.find_entry(node.tag, dst)
    if anchor is None:
        raise ConfigError(errors.OBJECT_NOT_PRESENT, f" {dst} does not exist")
    position = parent.position(anchor)
    return position if where == "before" else position + 1


def apply_move(root, write, journal):
    """Reorder an entry among its siblings and return True when the order changed."""
    node = _existing_entry(root, write)
    parent = node.parent
    before = parent.position(node)
    target = _move_position(parent, node, write.where, write.dst)

    # Positions were computed with the node still in place.
    if target > before:
        target -= 1
    target = min(target, len(parent.children) - 1)
    if target == before:
        return False

    journal.detach(parent, node)
    journal.attach(parent, node, target)
    return True


def apply_clone(root, write, journal):
    source_path = write.source.single_path() if write.source.is_single else None
    if source_path is None:
        raise ConfigError(errors.BAD_XPATH, "Invalid xpath: from must select one node")
    source = _find(root, source_path)
    if source is None or "name" not in source.attrib:
        raise ConfigError(errors.OBJECT_NOT_PRESENT, "No such node")

    container = _find(root, _single_path(write))
    if container is None:
        raise ConfigError(errors.OBJECT_NOT_PRESENT, "No such node")
    _check_free_name(container, source.tag, write.newname)

    copy = source.copy()
    copy.attrib["name"] = write.newname
    journal.attach(container, copy)


def apply(root, write, journal, exclusive=no_conflicts):
    """Apply one write and return the response code (20 done, 7 nothing to delete)."""
    if write.action == "set":
        apply_set(root, write, journal, exclusive)
    elif write.action == "edit":
        apply_edit(root, write, journal, exclusive)
    elif write.action == "delete":
        if apply_delete(root, write, journal) == 0:
            return errors.OBJECT_NOT_PRESENT
    elif write.action == "rename":
        apply_rename(root, write, journal)
    elif write.action == "move":
        apply_move(root, write, journal)
    elif write.action == "clone":
        apply_clone(root, write, journal)
    else:
        raise ConfigError(errors.BAD_REQUEST, f"Invalid action: {write.action}")
    return errors.SUCCESS_COMMAND
