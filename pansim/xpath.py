"""The subset of XPath 1.0 that PAN-OS API clients send.

Supported syntax:

* absolute location paths (``/config/devices/...``) with name tests and ``*``
* predicates comparing ``@attr`` or ``text()`` with a literal, joined by ``or`` and ``and``
* literals in single quotes, double quotes or ``concat(...)``
* ``|`` unions, and a final attribute step such as ``/@name``

pan-os-python quotes names with ``'...'``, with ``"..."`` when the name contains
a single quote, and with ``concat()`` when it contains both kinds of quote.

Anything else (relative paths, ``//``, positions, functions other than
``text()`` and ``concat()``) raises XPathError, which the API reports as a
bad xpath.
"""

from dataclasses import dataclass

from pansim.node import Node


class XPathError(ValueError):
    """Raised for an xpath outside the supported subset or with bad syntax."""


@dataclass(frozen=True)
class AttrEquals:
    name: str
    value: str

    def matches(self, node):
        return node.attrib.get(self.name) == self.value


@dataclass(frozen=True)
class TextEquals:
    value: str

    def matches(self, node):
        return not node.children and (node.text or "") == self.value


@dataclass(frozen=True)
class Predicate:
    """A disjunction of conjunctions of comparisons."""

    alternatives: tuple

    def matches(self, node):
        return any(all(c.matches(node) for c in conj) for conj in self.alternatives)

    def single_comparisons(self):
        """Return the comparisons when every alternative is exactly one comparison."""
        if all(len(conj) == 1 for conj in self.alternatives):
            return [conj[0] for conj in self.alternatives]
        return None


@dataclass(frozen=True)
class Step:
    tag: str
    predicates: tuple = ()

    def identity(self):
        """Return ("name", value), ("text", value) or None for a plain step.

        Only a step that names exactly one node can be created by set or edit.
        Raises XPathError for any other predicate.
        """
        if not self.predicates:
            return None
        if self.tag == "*" or len(self.predicates) > 1:
            raise XPathError(f"step '{self.source()}' does not name a single node")

        comparisons = self.predicates[0].single_comparisons()
        if comparisons is None or len(comparisons) != 1:
            raise XPathError(f"step '{self.source()}' does not name a single node")

        comparison = comparisons[0]
        if isinstance(comparison, AttrEquals) and comparison.name == "name":
            return ("name", comparison.value)
        if isinstance(comparison, TextEquals):
            return ("text", comparison.value)
        raise XPathError(f"step '{self.source()}' does not name a single node")

    def name_value(self):
        """Return the entry name this step names, or None."""
        try:
            identity = self.identity()
        except XPathError:
            return None
        if identity and identity[0] == "name":
            return identity[1]
        return None

    def source(self):
        return self.tag + "".join("[...]" for _ in self.predicates)


@dataclass(frozen=True)
class Path:
    steps: tuple
    attribute: str = None

    def tags(self):
        return tuple(step.tag for step in self.steps)


@dataclass(frozen=True)
class XPath:
    paths: tuple
    source: str

    @property
    def is_single(self):
        return len(self.paths) == 1

    def single_path(self):
        if len(self.paths) != 1:
            raise XPathError("a union ('|') is not allowed here")
        return self.paths[0]


# Parsing

_NAME_START = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = _NAME_START | set("0123456789-.:")


class _Parser:
    def __init__(self, text):
        self.text = text
        self.pos = 0

    def fail(self, problem):
        raise XPathError(f"{problem} at offset {self.pos} in xpath {self.text!r}")

    def skip_space(self):
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def peek(self, token):
        return self.text.startswith(token, self.pos)

    def accept(self, token):
        self.skip_space()
        if self.peek(token):
            self.pos += len(token)
            return True
        return False

    def expect(self, token):
        if not self.accept(token):
            self.fail(f"expected '{token}'")

    def at_end(self):
        self.skip_space()
        return self.pos >= len(self.text)

    def name(self):
        self.skip_space()
        start = self.pos
        if self.pos < len(self.text) and self.text[self.pos] == "*":
            self.pos += 1
            return "*"
        if self.pos >= len(self.text) or self.text[self.pos] not in _NAME_START:
            self.fail("expected a name")
        while self.pos < len(self.text) and self.text[self.pos] in _NAME_CHARS:
            self.pos += 1
        return self.text[start:self.pos]

    def keyword(self, word):
        """Accept ``word`` only when it is not the start of a longer name."""
        self.skip_space()
        end = self.pos + len(word)
        if self.text.startswith(word, self.pos) and (
            end >= len(self.text) or self.text[end] not in _NAME_CHARS
        ):
            self.pos = end
            return True
        return False

    def quoted(self):
        self.skip_space()
        quote = self.text[self.pos] if self.pos < len(self.text) else ""
        if quote not in ("'", '"'):
            self.fail("expected a quoted literal")
        end = self.text.find(quote, self.pos + 1)
        if end < 0:
            self.fail("unterminated literal")
        value = self.text[self.pos + 1:end]
        self.pos = end + 1
        return value

    def literal(self):
        if not self.keyword("concat"):
            return self.quoted()

        self.expect("(")
        parts = [self.quoted()]
        while self.accept(","):
            parts.append(self.quoted())
        self.expect(")")
        return "".join(parts)

    def comparison(self):
        if self.accept("@"):
            attr = self.name()
            self.expect("=")
            return AttrEquals(attr, self.literal())
        if self.keyword("text"):
            self.expect("(")
            self.expect(")")
            self.expect("=")
            return TextEquals(self.literal())
        self.fail("expected @attribute or text() in predicate")

    def predicate(self):
        alternatives = []
        while True:
            conjunction = [self.comparison()]
            while self.keyword("and"):
                conjunction.append(self.comparison())
            alternatives.append(tuple(conjunction))
            if not self.keyword("or"):
                break
        self.expect("]")
        return Predicate(tuple(alternatives))

    def path(self):
        steps = []
        attribute = None
        self.skip_space()
        if not self.peek("/"):
            self.fail("only absolute paths are supported")

        while self.accept("/"):
            if self.peek("/"):
                self.fail("'//' is not supported")
            if attribute is not None:
                self.fail("an attribute step must be the last step")
            if self.accept("@"):
                attribute = self.name()
                continue

            tag = self.name()
            predicates = []
            while self.accept("["):
                predicates.append(self.predicate())
            steps.append(Step(tag, tuple(predicates)))

        if not steps:
            self.fail("empty path")
        return Path(tuple(steps), attribute)

    def union(self):
        paths = [self.path()]
        while self.accept("|"):
            paths.append(self.path())
        if not self.at_end():
            self.fail("unexpected text")
        return tuple(paths)


def parse(text):
    """Parse an xpath string into an XPath, raising XPathError when unsupported."""
    if not text or not text.strip():
        raise XPathError("xpath is empty")
    return XPath(_Parser(text.strip()).union(), text)


# Quoting, the inverse of what pan-os-python does for names.


def quote(value):
    """Return ``value`` as an xpath literal, using concat() when it contains both kinds of quote."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'

    parts = []
    for i, chunk in enumerate(value.split("'")):
        if i:
            parts.append('"\'"')
        if chunk:
            parts.append(f"'{chunk}'")
    return "concat(" + ", ".join(parts) + ")"


# Evaluation


def _indexed_matches(parent, step, comparisons):
    found = []
    for comparison in comparisons:
        if isinstance(comparison, AttrEquals) and comparison.name == "name":
            child = parent.find_entry(step.tag, comparison.value)
        else:
            child = parent.find_member(step.tag, comparison.value)
        if child is not None and all(p.matches(child) for p in step.predicates[1:]):
            found.append(child)
    return found


def _index_comparisons(step):
    """Return the comparisons of a step that a child index lookup can resolve, or None."""
    if step.tag == "*" or not step.predicates:
        return None

    comparisons = step.predicates[0].single_comparisons()
    if comparisons is None:
        return None
    for comparison in comparisons:
        by_name = isinstance(comparison, AttrEquals) and comparison.name == "name"
        by_text = isinstance(comparison, TextEquals)
        if not (by_name or by_text):
            return None
    return comparisons


def _step_matches(parent, step):
    comparisons = _index_comparisons(step)
    if comparisons is not None:
        found = _indexed_matches(parent, step, comparisons)
        if len(found) > 1:
            # Keep document order and drop duplicates from repeated names.
            wanted = {id(node) for node in found}
            found = [child for child in parent.children if id(child) in wanted]
        return found

    return [
        child
        for child in parent.children
        if (step.tag == "*" or child.tag == step.tag)
        and all(p.matches(child) for p in step.predicates)
    ]


def select_path(root, path):
    """Return the nodes that ``path`` selects under the document element ``root``."""
    first = path.steps[0]
    if first.tag not in ("*", root.tag) or not all(p.matches(root) for p in first.predicates):
        return []

    current = [root]
    for step in path.steps[1:]:
        following = []
        for parent in current:
            following.extend(_step_matches(parent, step))
        current = following
        if not current:
            break
    return current


def select(root, xpath):
    """Return the nodes selected by every path of ``xpath``, without duplicates."""
    seen = set()
    result = []
    for path in xpath.paths:
        for node in select_path(root, path):
            if id(node) not in seen:
                seen.add(id(node))
                result.append(node)
    return result


def materialize(root, path, attach):
    """Find the node ``path`` names, creating missing steps through ``attach``.

    ``attach(parent, child)`` inserts a new node so the caller can journal it.
    Raises XPathError when a step cannot name a single node.
    """
    if path.attribute is not None:
        raise XPathError("an attribute step cannot be created")

    first = path.steps[0]
    if first.tag != root.tag or first.predicates:
        raise XPathError(f"xpath must start with /{root.tag}")

    node = root
    for step in path.steps[1:]:
        node = _find_or_create(node, step, attach)
    return node


def find_single(root, path):
    """Return the node a single-valued path names, or None when absent."""
    node = root
    first = path.steps[0]
    if first.tag != root.tag:
        return None

    for step in path.steps[1:]:
        node = find_step(node, step)
        if node is None:
            return None
    return node


def find_step(parent, step):
    """Return the child of ``parent`` that a single-valued step names, or None."""
    identity = step.identity()
    if step.tag == "*":
        raise XPathError("'*' does not name a single node")
    if identity is None:
        return parent.find_child(step.tag)
    if identity[0] == "name":
        return parent.find_entry(step.tag, identity[1])
    return parent.find_member(step.tag, identity[1])


def _find_or_create(parent, step, attach):
    existing = find_step(parent, step)
    if existing is not None:
        return existing

    identity = step.identity()
    created = Node(step.tag)
    if identity is not None and identity[0] == "name":
        created.attrib["name"] = identity[1]
    elif identity is not None:
        created.text = identity[1] or None
    attach(parent, created)
    return created


def location(path):
    """Return the (tag, entry name or None) pairs of a single-valued path."""
    return tuple((step.tag, step.name_value()) for step in path.steps)
