"""Configuration tree nodes with a per-parent index of named children.

PAN-OS configurations are XML trees in which lists are ``<entry name="...">``
or ``<member>text</member>`` children. Looking those up by scanning is linear
in the list length, which turns thousands of writes to a 1,000-tunnel config
into quadratic work. ``Node`` therefore keeps, once a node has many children,
a dictionary from ``(tag, name)`` and ``(tag, member text)`` to the child.
"""

import re
import xml.etree.ElementTree as ET

# Lists with fewer children are scanned instead of indexed. The value is a rough choice, not measured.
INDEX_THRESHOLD = 16

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


class XmlSyntaxError(ValueError):
    """Raised when request or file text is not well-formed XML."""


def _child_key(child):
    name = child.attrib.get("name")
    if name is not None:
        return (child.tag, "@", name)
    if child.tag == "member":
        return (child.tag, "=", child.text or "")
    return None


class Node:
    """One XML element: tag, ordered attributes, leaf text and children.

    ``text`` is None for empty leaves and for elements that have children, so
    ``<x/>`` and ``<x></x>`` are the same node.
    """

    __slots__ = ("tag", "attrib", "text", "children", "parent", "_index")

    def __init__(self, tag, attrib=None, text=None):
        self.tag = tag
        self.attrib = dict(attrib) if attrib else {}
        self.text = text if text else None
        self.children = []
        self.parent = None
        self._index = None

    def __repr__(self):
        name = self.attrib.get("name")
        label = f"{self.tag}[@name={name!r}]" if name is not None else self.tag
        return f"<Node {label} children={len(self.children)}>"

    @property
    def name(self):
        return self.attrib.get("name")

    # Lookups

    def _ensure_index(self):
        if self._index is not None or len(self.children) < INDEX_THRESHOLD:
            return self._index

        index = {}
        for child in self.children:
            key = _child_key(child)
            if key is not None and key not in index:
                index[key] = child
        self._index = index
        return index

    def _lookup(self, key):
        index = self._ensure_index()
        if index is not None:
            return index.get(key)

        for child in self.children:
            if _child_key(child) == key:
                return child
        return None

    def find_entry(self, tag, name):
        """Return the child ``<tag name="name">``, or None."""
        return self._lookup((tag, "@", name))

    def find_member(self, tag, text):
        """Return the child ``<tag>text</tag>`` of a member list, or None."""
        if tag != "member":
            # Only member lists are indexed by text.
            for child in self.children:
                if child.tag == tag and not child.children and (child.text or "") == (text or ""):
                    return child
            return None
        return self._lookup((tag, "=", text or ""))

    def find_child(self, tag):
        """Return the first child with this tag and no name attribute."""
        for child in self.children:
            if child.tag == tag and "name" not in child.attrib:
                return child
        return None

    def find_path(self, *tags):
        """Follow unnamed children by tag, returning None when one is missing."""
        node = self
        for tag in tags:
            node = node.find_child(tag)
            if node is None:
                return None
        return node

    def child_text(self, *tags):
        node = self.find_path(*tags)
        return None if node is None else node.text

    def iter_tag(self, tag):
        return (child for child in self.children if child.tag == tag)

    def ancestors_and_self(self):
        """Return the nodes from the root down to this node."""
        chain = []
        node = self
        while node is not None:
            chain.append(node)
            node = node.parent
        chain.reverse()
        return chain

    # Mutations. Callers that need undo go through configtree's journal.

    def _index_add(self, child):
        if self._index is None:
            return
        key = _child_key(child)
        if key is not None and key not in self._index:
            self._index[key] = child

    def _index_remove(self, child, key):
        if self._index is None or key is None or self._index.get(key) is not child:
            return

        del self._index[key]
        # A duplicate key (possible in loaded files) takes over the slot.
        for other in self.children:
            if other is not child and _child_key(other) == key:
                self._index[key] = other
                break

    def insert(self, position, child):
        child.parent = self
        self.children.insert(position, child)
        self._index_add(child)

    def append(self, child):
        child.parent = self
        self.children.append(child)
        self._index_add(child)

    def position(self, child):
        for i, candidate in enumerate(self.children):
            if candidate is child:
                return i
        raise ValueError(f"{child!r} is not a child of {self!r}")

    def remove(self, child):
        """Detach ``child`` and return the position it had."""
        position = self.position(child)
        key = _child_key(child)
        del self.children[position]
        self._index_remove(child, key)
        child.parent = None
        return position

    def set_text(self, text):
        if self.parent is None:
            self.text = text if text else None
            return

        old_key = _child_key(self)
        self.text = text if text else None
        self.parent._rekey(self, old_key)

    def set_attr(self, name, value):
        old_key = _child_key(self) if self.parent is not None else None
        if value is None:
            self.attrib.pop(name, None)
        else:
            self.attrib[name] = value
        if self.parent is not None:
            self.parent._rekey(self, old_key)

    def _rekey(self, child, old_key):
        if self._index is None:
            return
        self._index_remove(child, old_key)
        self._index_add(child)

    def copy(self):
        """Return a deep copy without a parent."""
        clone = Node(self.tag, self.attrib, self.text)
        for child in self.children:
            clone.append(child.copy())
        return clone

    def equals(self, other):
        """Compare tag, attributes, text and children recursively."""
        if (self.tag, self.attrib, self.text) != (other.tag, other.attrib, other.text):
            return False
        if len(self.children) != len(other.children):
            return False
        return all(a.equals(b) for a, b in zip(self.children, other.children))


# Parsing


def _from_element(element):
    node = Node(element.tag, element.attrib)
    for child in element:
        node.append(_from_element(child))

    if not node.children and element.text is not None and element.text.strip():
        node.text = element.text
    return node


def parse_xml(text):
    """Parse one XML document into a Node tree."""
    try:
        element = ET.fromstring(text)
    except ET.ParseError as exc:
        raise XmlSyntaxError(str(exc)) from exc
    return _from_element(element)


def parse_fragment(text):
    """Parse a request ``element`` value, which may contain several sibling elements."""
    text = _XML_DECLARATION.sub("", text or "", count=1)
    wrapper = parse_xml(f"<pansim-fragment>{text}</pansim-fragment>")
    if wrapper.text is not None and not wrapper.children:
        raise XmlSyntaxError("element contains text but no XML element")

    children = list(wrapper.children)
    for child in children:
        child.parent = None
    return children


# Serialization


def _escape_text(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attr(text):
    return _escape_text(text).replace('"', "&quot;")


def _open_tag(node, self_closing):
    parts = [node.tag]
    for key, value in node.attrib.items():
        parts.append(f'{key}="{_escape_attr(value)}"')
    body = " ".join(parts)
    return f"<{body}/>" if self_closing else f"<{body}>"


def _write(node, out, indent, depth):
    pad = "\n" + indent * depth if indent is not None and depth else ""
    if not node.children and node.text is None:
        out.append(pad + _open_tag(node, True))
        return

    out.append(pad + _open_tag(node, False))
    if node.children:
        for child in node.children:
            _write(child, out, indent, depth + 1)
        if indent is not None:
            out.append("\n" + indent * depth)
    else:
        out.append(_escape_text(node.text))
    out.append(f"</{node.tag}>")


def to_xml(node, indent=None):
    """Serialize a Node. ``indent`` (for example two spaces) pretty-prints."""
    out = []
    _write(node, out, indent, 0)
    return "".join(out)


def leaf(tag, text=None, attrib=None):
    return Node(tag, attrib, text)


def element(tag, *children, attrib=None, text=None):
    """Build a Node with children, for responses and factory configs."""
    node = Node(tag, attrib, text)
    for child in children:
        node.append(child)
    return node
