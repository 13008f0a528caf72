"""Per-admin change log of the candidate configuration.

Each successful write that changed the candidate is recorded with the admin
who made it, in the form it was applied (secrets already encrypted). A
partial commit or revert replays a subset of the log onto a copy of the
running configuration, which is how PAN-OS keeps one admin's changes apart
from another's.
"""

from dataclasses import dataclass

from pansim import configtree
from pansim.errors import ConfigError
from pansim.factory import PANORAMA_LOCATIONS
from pansim.node import parse_fragment


@dataclass(frozen=True)
class Change:
    seq: int
    admin: str
    action: str
    xpath: str
    element: str = None
    newname: str = None
    where: str = None
    dst: str = None
    source: str = None

    def to_write(self):
        elements = parse_fragment(self.element) if self.element else None
        return configtree.build_write(
            self.action,
            self.xpath,
            elements=elements,
            newname=self.newname,
            where=self.where,
            dst=self.dst,
            source=self.source,
        )

    def location(self):
        """Return the Panorama location the change is in, ("template", "T") for example, or None.

        A set on the list itself (``.../template``) is in the location its one
        ``<entry>`` element names.
        """
        steps = configtree.parse_xpath(self.xpath).paths[0].steps
        tags = tuple(step.tag for step in steps[:4])
        if len(steps) < 4 or tags[1:3] != ("devices", "entry") or tags[3] not in PANORAMA_LOCATIONS:
            return None
        if len(steps) >= 5:
            return (tags[3], steps[4].name_value())
        elements = parse_fragment(self.element) if self.element else []
        if len(elements) == 1 and elements[0].tag == "entry" and elements[0].name is not None:
            return (tags[3], elements[0].name)
        return None

    def region(self):
        """Return the commit region the change belongs to, for commits with exclusions.

        Changes inside a Panorama template, template stack or device group have
        their location as region, which no exclusion names.
        """
        tags = configtree.parse_xpath(self.xpath).paths[0].tags()
        if tags[1:2] == ("shared",):
            return "shared-object"
        if len(tags) >= 4 and tags[1:3] == ("devices", "entry") and tags[3] in PANORAMA_LOCATIONS:
            return tags[3]
        if tags[1:4] == ("devices", "entry", "vsys"):
            return "policy-and-objects"
        return "device-and-network"


def change_from_write(seq, admin, write, element_text):
    """Build the log record of a write. ``element_text`` is taken before the write is applied."""
    return Change(
        seq=seq,
        admin=admin,
        action=write.action,
        xpath=write.xpath.source,
        element=element_text or None,
        newname=write.newname,
        where=write.where,
        dst=write.dst,
        source=write.source.source if write.source is not None else None,
    )


class ChangeLog:
    """The ordered list of uncommitted changes."""

    def __init__(self):
        self._changes = []
        self._next_seq = 1

    def __len__(self):
        return len(self._changes)

    def __iter__(self):
        return iter(list(self._changes))

    def next_seq(self):
        seq = self._next_seq
        self._next_seq += 1
        return seq

    def extend(self, changes):
        self._changes.extend(changes)

    def admins(self):
        return sorted({change.admin for change in self._changes})

    def select(self, admins=None, excluded_regions=(), locations=None):
        """Return the changes made by ``admins`` (all when None) outside the excluded regions.

        ``locations`` (a set of (kind, name) pairs, or None for all) limits the
        changes inside Panorama locations to those listed; other changes stay in.
        """
        selected = []
        for change in self._changes:
            if admins is not None and change.admin not in admins:
                continue
            if excluded_regions and change.region() in excluded_regions:
                continue
            if locations is not None:
                location = change.location()
                if location is not None and location not in locations:
                    continue
            selected.append(change)
        return selected

    def discard(self, seqs):
        seqs = set(seqs)
        self._changes = [change for change in self._changes if change.seq not in seqs]

    def replace(self, changes):
        self._changes = list(changes)

    def clear(self):
        self._changes = []


def replay(root, changes, exclusive=configtree.no_conflicts):
    """Apply ``changes`` in order to ``root``.

    Raises ConfigError naming the change that no longer applies, for example
    an edit below a node that only another admin's uncommitted change created.
    """
    journal = configtree.Journal(record=False)
    for change in changes:
        try:
            configtree.apply(root, change.to_write(), journal, exclusive)
        except ConfigError as exc:
            reason = " ".join(line.strip() for line in exc.lines)
            message = f" {change.action} of {change.xpath} by {change.admin} cannot be applied: {reason}"
            raise ConfigError(exc.code, message) from exc


def replay_tolerant(root, changes, exclusive=configtree.no_conflicts):
    """Apply the changes that still apply, skip the ones that fail, and return the applied ones.

    A revert of one admin's changes can leave another admin's change without
    the node it edited (for example a rename of an object the first admin created).
    """
    applied = []
    for change in changes:
        journal = configtree.Journal()
        try:
            configtree.apply(root, change.to_write(), journal, exclusive)
        except ConfigError:
            journal.rollback()
            continue
        applied.append(change)
    return applied
