"""One simulated firewall: configurations, admins, change log, jobs and locks.

All methods expect the caller to hold ``device.lock``; the HTTP layer takes it
once per request, so requests to one device are serialized.
"""

import hashlib
import hmac
import secrets as random_tokens
import string
import threading
import time
from dataclasses import dataclass, field

from pansim import changes as changelog
from pansim import commit_check, configtree, errors, panorama, schema, sysinfo, xpath
from pansim.errors import ApiError, ConfigError
from pansim.factory import (
    DEVICE_ENTRY,
    InterfaceSpec,
    add_interface,
    factory_config,
    load_config_file,
    panorama_config,
    set_hostname,
)
from pansim.jobs import JobQueue
from pansim.node import to_xml
from pansim.secrets import SecretBox

DEFAULT_SW_VERSION = "10.2.9"
DEFAULT_MODEL = "PA-VM"
DEFAULT_COMMIT_SECONDS = 0.3
COMMIT_IN_PROGRESS = "Another commit/validate is in progress. Please try again later"
FIREWALL = "firewall"
PANORAMA = "panorama"
KINDS = (FIREWALL, PANORAMA)
_KEY_ALPHABET = string.ascii_letters + string.digits


def derived_serial(name):
    digest = int(hashlib.sha256(name.encode("utf-8")).hexdigest(), 16)
    return "0070" + str(digest % 10**11).zfill(11)


def derived_address(name):
    """Return an address in 198.51.100.0/24 (documentation range) chosen from the name."""
    digest = int(hashlib.sha256(name.encode("utf-8")).hexdigest(), 16)
    return f"198.51.100.{1 + digest % 254}/24"


@dataclass
class DeviceSpec:
    """Start options of one device. ``interfaces=None`` means "use the default".

    ``kind`` is "firewall" or "panorama". When only one of ``kind`` and
    ``model`` is given, the other follows from it: model "Panorama" or "M-..."
    means a Panorama, and a Panorama's default model is "Panorama".
    ``managed`` lists the serials of the firewalls a Panorama manages.
    """

    name: str
    port: int
    sw_version: str = DEFAULT_SW_VERSION
    model: str = None
    serial: str = None
    hostname: str = None
    config: str = None
    admins: dict = field(default_factory=lambda: {"admin": "admin"})
    interfaces: list = None
    commit_seconds: float = DEFAULT_COMMIT_SECONDS
    kind: str = None
    managed: list = field(default_factory=list)

    def __post_init__(self):
        if self.kind is None:
            self.kind = PANORAMA if self.model and panorama.is_panorama_model(self.model) else FIREWALL
        if self.model is None:
            self.model = panorama.PANORAMA_MODEL if self.kind == PANORAMA else DEFAULT_MODEL

    @property
    def is_panorama(self):
        return self.kind == PANORAMA

    @property
    def resolved_serial(self):
        return self.serial or derived_serial(self.name)

    def resolved_interfaces(self):
        if self.interfaces is not None:
            return list(self.interfaces)
        if self.config or self.is_panorama:
            return []
        return [InterfaceSpec("ethernet1/1", derived_address(self.name))]


@dataclass
class Lock:
    admin: str
    comment: str
    created: float


@dataclass
class Session:
    client: str
    first_seen: float
    last_seen: float


@dataclass
class SubResult:
    """The outcome of one multi-config action."""

    status: str
    code: int
    id: str
    lines: list


class MultiConfigError(ApiError):
    """Failure of one multi-config action, after which nothing of the request was applied."""

    def __init__(self, results):
        failed = results[-1]
        super().__init__(failed.code, failed.lines)
        self.results = results


class Device:
    """A simulated firewall or Panorama. ``clock`` returns seconds, so tests can control job timing.

    A Panorama reaches the firewalls it manages through ``managed`` (serial to
    Device), which ``connect_managed`` fills once every device exists.
    """

    def __init__(self, spec, clock=time.time):
        self.spec = spec
        self.name = spec.name
        self.clock = clock
        self.lock = threading.RLock()
        self.started = clock()

        self.is_panorama = spec.is_panorama
        self.schema = schema.Schema(spec.sw_version, panorama=self.is_panorama)
        self.serial = spec.resolved_serial
        self.secrets = SecretBox()
        self.managed = {}

        self.candidate = self._initial_config()
        self.secrets.protect(self.candidate)
        self._after_change(self.candidate)
        self.running = self.candidate.copy()

        self.changes = changelog.ChangeLog()
        self.jobs = JobQueue()
        self.config_locks = {}
        self.commit_locks = {}
        self.sessions = {}
        self._keys = {}

    def _initial_config(self):
        interfaces = self.spec.resolved_interfaces()
        if not self.spec.config:
            major, minor, _ = self.schema.version
            hostname = self.spec.hostname or self.spec.name
            if self.is_panorama:
                return panorama_config(hostname, f"{major}.{minor}.0", list(self.spec.admins), self.spec.managed)
            return factory_config(hostname, f"{major}.{minor}.0", list(self.spec.admins), interfaces)

        root = load_config_file(self.spec.config)
        for interface in interfaces:
            add_interface(root, interface)
        if self.spec.hostname:
            set_hostname(root, self.spec.hostname)
        return root

    def connect_managed(self, devices):
        """Let this Panorama reach the firewalls among ``devices`` whose serials it manages."""
        serials = set(self.spec.managed)
        self.managed = {
            device.serial: device for device in devices if device.serial in serials and not device.is_panorama
        }

    def managed_name(self, serial):
        device = self.managed.get(serial)
        return device.hostname if device is not None else serial

    def route(self, serial):
        """Return the device that handles a request with ``target=serial``.

        A Panorama forwards to a managed firewall that is listed under
        ``mgt-config/devices`` of its running configuration. A firewall accepts
        only its own serial. The error's wording and code are reconstructed.
        """
        if self.is_panorama:
            device = self.managed.get(serial)
            if device is not None and serial in panorama.managed_serials(self.running):
                return device
        elif serial == self.serial:
            return self
        raise ApiError(errors.BAD_REQUEST, f"Invalid target: no connected managed device has serial {serial}")

    def system_info(self):
        return sysinfo.system_info_fields(self)

    @property
    def hostname(self):
        """Return the hostname of the running configuration, as ``show system info`` does."""
        devices = self.running.find_child("devices")
        entry = devices.find_entry("entry", DEVICE_ENTRY) if devices is not None else None
        configured = entry.child_text("deviceconfig", "system", "hostname") if entry is not None else None
        return configured or self.spec.hostname or self.spec.name

    # Authentication

    def keygen(self, user, password):
        """Return the API key of an admin, issuing one on first use."""
        expected = self.spec.admins.get(user or "")
        if expected is None or not hmac.compare_digest(expected.encode(), (password or "").encode()):
            raise ApiError(errors.FORBIDDEN, "Invalid Credential", http_status=403)

        for key, admin in self._keys.items():
            if admin == user:
                return key
        # Letters and digits only: pan-python sends the key without URL-encoding.
        key = "LUFRPT" + "".join(random_tokens.choice(_KEY_ALPHABET) for _ in range(48)) + "=="
        self._keys[key] = user
        return key

    def admin_for_key(self, key):
        for known, admin in self._keys.items():
            if key and hmac.compare_digest(known.encode(), key.encode()):
                return admin
        raise ApiError(errors.FORBIDDEN, "Invalid Credential", http_status=403)

    def touch_session(self, admin, client):
        now = self.clock()
        session = self.sessions.get(admin)
        if session is None:
            self.sessions[admin] = Session(client, now, now)
        else:
            session.client = client
            session.last_seen = now

    # Time

    def advance(self):
        """Finish the jobs whose time is up. Call it at the start of every request."""
        self.jobs.advance(self.clock())

    def finish_all_jobs(self):
        self.jobs.advance(self.clock(), force=True)

    # Reads

    def get(self, xpath_text):
        return configtree.get(self.candidate, configtree.parse_xpath(xpath_text))

    def show(self, xpath_text):
        return configtree.show(self.running, configtree.parse_xpath(xpath_text))

    # Writes

    def _check_config_lock(self, admin):
        for lock in self.config_locks.values():
            if lock.admin != admin:
                raise ConfigError(errors.OPERATION_DENIED, f"Configuration is locked by {lock.admin}")

    def _validate(self, write):
        path = write.xpath.paths[0]
        location = xpath.location(path) if write.xpath.is_single else ()
        problems = []

        if write.action in ("set", "edit"):
            problems.extend(self.schema.check_location(location))
            parent = location if write.action == "set" else location[:-1]
            for element in write.elements:
                problems.extend(self.schema.check_element(parent, element))
        elif write.action == "rename":
            problems.extend(self._new_name_problems(location[:-1], write.newname))
        elif write.action == "clone":
            problems.extend(self._new_name_problems(location, write.newname))

        if problems:
            raise ConfigError(errors.INVALID_OBJECT, problems)

    def _new_name_problems(self, container_location, newname):
        problem = self.schema.name_problem(tuple(container_location) + (("entry", newname),))
        return [problem] if problem else []

    def _protect_secrets(self, write):
        if write.action not in ("set", "edit"):
            return
        tags = write.xpath.paths[0].tags()
        parent_tags = tags if write.action == "set" else tags[:-1]
        for element in write.elements:
            self.secrets.protect(element, parent_tags)

    def apply_write(self, admin, write, journal):
        """Check and apply one write, and return (code, Change or None).

        The change is returned rather than logged so that multi-config can
        drop the records of a request that is rolled back.
        """
        self._check_config_lock(admin)
        self._validate(write)
        self._protect_secrets(write)
        element_text = write.element_text()

        before = journal.size
        code = configtree.apply(self.candidate, write, journal, self.schema.conflicting_tags)
        if journal.size == before:
            return code, None
        change = changelog.change_from_write(self.changes.next_seq(), admin, write, element_text)
        return code, change

    def write(self, admin, write):
        """Apply a single write action and return its response code."""
        journal = configtree.Journal()
        try:
            code, change = self.apply_write(admin, write, journal)
        except ApiError:
            journal.rollback()
            raise
        if change is not None:
            self.changes.extend([change])
            self._after_change(self.candidate)
        return code

    def multi_config(self, admin, actions, strict=False):
        """Apply ``(id, Write or ApiError)`` actions all or nothing and return their SubResults.

        Raises MultiConfigError when an action fails. With ``strict``, the
        request is refused while a commit runs, and a failure also reverts the
        admin's earlier uncommitted changes, as pan-python's multi-config tests
        observe on a device.
        """
        if strict and self.jobs.running(self.clock()):
            raise ApiError(errors.OPERATION_NOT_POSSIBLE, COMMIT_IN_PROGRESS)

        journal = configtree.Journal()
        results = []
        recorded = []
        for action_id, write in actions:
            try:
                if isinstance(write, ApiError):
                    raise write
                code, change = self.apply_write(admin, write, journal)
            except ApiError as exc:
                journal.rollback()
                results.append(SubResult("error", exc.code, action_id, exc.lines))
                if strict:
                    self.revert([admin])
                raise MultiConfigError(results) from exc

            if change is not None:
                recorded.append(change)
            message = "Object doesn't exist" if code == errors.OBJECT_NOT_PRESENT else "command succeeded"
            results.append(SubResult("success", code, action_id, [message]))

        self.changes.extend(recorded)
        if recorded:
            self._after_change(self.candidate)
        return results

    # Pending changes, revert

    def pending_changes(self):
        return len(self.changes) > 0

    def revert(self, admins=None):
        """Copy running to candidate, then replay the changes of admins not being reverted."""
        keep = [] if admins is None else self.changes.select(
            admins=set(self.changes.admins()) - set(admins)
        )
        candidate = self.running.copy()
        kept = changelog.replay_tolerant(candidate, keep, self.schema.conflicting_tags)
        self._after_change(candidate)
        self.candidate = candidate
        self.changes.replace(kept)

    def _after_change(self, config):
        """Update the parts of a configuration that PAN-OS maintains itself (Panorama's readonly ids)."""
        if self.is_panorama:
            panorama.sync_readonly(config)

    # Commit and validate

    def check_commit_allowed(self, admin):
        if self.jobs.running(self.clock()):
            raise ApiError(errors.OPERATION_NOT_POSSIBLE, COMMIT_IN_PROGRESS)
        for lock in self.commit_locks.values():
            if lock.admin != admin:
                raise ApiError(errors.OPERATION_DENIED, f"Commit is locked by {lock.admin}")
        self._check_config_lock(admin)

    def _commit_target(self, selected, full):
        """Return (configuration to activate, error lines)."""
        if full:
            return self.candidate.copy(), []

        target = self.running.copy()
        try:
            changelog.replay(target, selected, self.schema.conflicting_tags)
        except ApiError as exc:
            return None, exc.lines
        return target, []

    def commit(self, admin, options):
        """Start a commit job and return it, or None when there is nothing to commit."""
        self.check_commit_allowed(admin)

        full = options.admins is None and not options.excluded and options.locations is None
        selected = self.changes.select(options.admins, options.excluded, options.locations)
        if not selected and not options.force:
            return None

        target, problems = self._commit_target(selected, full)
        warnings = []
        if target is not None:
            self._after_change(target)
            check = self._commit_checks(target)
            problems, warnings = check.errors, check.warnings

        seqs = [change.seq for change in selected]

        def activate():
            self.running = target
            self.changes.discard(seqs)

        if problems:
            details = problems + ["commit failed"]
        else:
            details = ["Configuration committed successfully"]
        job = self.enqueue_job("Commit", admin, problems, details, warnings, options.description, activate)

        # pan-os-python clears its lock flags after a commit, so the committing admin's locks go too.
        self._release_locks(admin)
        return job

    def validate(self, admin):
        """Start a validate job that runs the commit checks on the candidate without activating it."""
        if self.jobs.running(self.clock()):
            raise ApiError(errors.OPERATION_NOT_POSSIBLE, COMMIT_IN_PROGRESS)

        check = self._commit_checks(self.candidate)
        if check.errors:
            details = check.errors + ["validation failed"]
        else:
            details = ["Configuration is valid"]
        return self.enqueue_job("Validate", admin, check.errors, details, check.warnings, None, None)

    def _commit_checks(self, config):
        if self.is_panorama:
            return panorama.check_config(config, self.schema.conflicting_tags)
        return commit_check.check_config(config)

    def enqueue_job(self, job_type, admin, problems, details, warnings, description, on_success=None, devices=None):
        """Queue a job that finishes FAIL when there are ``problems``, else OK (then calling ``on_success``)."""
        return self.jobs.enqueue(
            job_type,
            admin,
            self.clock(),
            self.spec.commit_seconds,
            "FAIL" if problems else "OK",
            details,
            warnings=warnings,
            description=description,
            on_success=on_success,
            devices=devices,
        )

    def _release_locks(self, admin):
        for locks in (self.config_locks, self.commit_locks):
            for scope in [scope for scope, lock in locks.items() if lock.admin == admin]:
                del locks[scope]

    # Locks

    def add_lock(self, kind, admin, scope, comment):
        locks = self.config_locks if kind == "config" else self.commit_locks
        held = locks.get(scope)
        if held is not None and held.admin == admin:
            if kind == "config":
                raise ApiError(errors.OPERATION_NOT_POSSIBLE, f"You already own a config lock for scope {scope}")
            raise ApiError(errors.OPERATION_NOT_POSSIBLE, f"Commit lock is already held by {admin}")
        if held is not None:
            if kind == "config":
                raise ApiError(
                    errors.OPERATION_NOT_POSSIBLE,
                    f"Config for scope {scope} is currently locked by {held.admin}",
                )
            raise ApiError(errors.OPERATION_NOT_POSSIBLE, f"Commit lock is already held by {held.admin}")
        locks[scope] = Lock(admin, comment, self.clock())

    def remove_lock(self, kind, admin, scope, owner=None):
        """Release a lock. ``owner`` names another admin's commit lock to remove."""
        locks = self.config_locks if kind == "config" else self.commit_locks
        held = locks.get(scope)
        if held is None or (owner is not None and held.admin != owner):
            if kind == "config":
                raise ApiError(errors.OPERATION_NOT_POSSIBLE, f"Config is not currently locked for scope {scope}")
            raise ApiError(errors.OPERATION_NOT_POSSIBLE, "Commit lock is not currently held")
        if owner is None and held.admin != admin:
            raise ApiError(errors.OPERATION_DENIED, f"The {kind} lock for scope {scope} is held by {held.admin}")
        del locks[scope]

    # Output

    def running_xml(self):
        return to_xml(self.running, indent="  ") + "\n"

    def candidate_xml(self):
        return to_xml(self.candidate, indent="  ") + "\n"
