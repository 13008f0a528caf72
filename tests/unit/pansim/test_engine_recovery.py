# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the collection's device layer recovers from pansim's injected faults: keys, locks, commits and reverts."""

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils._commit import (
    CommitFailed,
    CommitNotStarted,
    commit_changes,
    revert_uncommitted,
    start_commit,
)
from ansible_collections.ipsec.panos.plugins.module_utils._connection import Device, DeviceError

from test_faults import ADDRESS_XPATH, MULTI_CONFIG, Sim


@pytest.fixture
def sim(pansim_starter):
    return Sim(pansim_starter(["name=hub,port=0,commit_seconds=0.2,interface=ethernet1/1:198.51.100.1/24"]))


def device(sim, **provider):
    settings = {"host": "127.0.0.1", "port": sim.port, "username": "admin", "password": "admin", "ca_path": sim.process.ready["ca"]}
    settings.update(timeout=5, retries=1)
    settings.update(provider)
    return Device(settings).open()


def addresses(sim):
    return sim.address_names()


def injected(sim, kind):
    return sum(1 for line in sim.log_text().splitlines() if "fault injected" in line and "fault=%s " % kind in line)


def commit_jobs(sim):
    xapi = sim.xapi()
    xapi.op("<show><jobs><all></all></jobs></show>")
    return [job for job in xapi.element_root.iter("job") if (job.findtext("type") or "").startswith("Commit")]


def test_expired_key_is_renewed_once(sim):
    dev = device(sim)
    sim.add_fault("expired-key", "type=config&action=get", 1)
    dev.get(ADDRESS_XPATH)
    assert injected(sim, "expired-key") == 1


def test_expired_key_given_in_provider_is_not_renewed(sim):
    dev = device(sim, password=None, api_key=sim.key())
    sim.add_fault("expired-key", "type=config&action=get", 1)
    with pytest.raises(DeviceError) as error:
        dev.get(ADDRESS_XPATH)
    assert "Invalid Credential" in error.value.message


def test_session_timeout_on_write_renews_key(sim):
    dev = device(sim)
    sim.add_fault("session-timeout", "type=config&action=multi-config", 1)
    dev.multi_config(MULTI_CONFIG)
    assert addresses(sim) == ["a1", "a2"]


def test_reply_time_out_is_a_transport_error(sim):
    dev = device(sim, timeout=1, retries=0)
    sim.add_fault("timeout", "type=config&action=get", 1, hold="3")
    with pytest.raises(DeviceError) as error:
        dev.get(ADDRESS_XPATH)
    assert error.value.transport
    assert "timed out" in error.value.message


def test_drop_after_write_is_unknown(sim):
    dev = device(sim)
    sim.add_fault("drop_after", "type=config&action=multi-config", 1)
    with pytest.raises(DeviceError) as error:
        dev.multi_config(MULTI_CONFIG)
    assert error.value.transport
    assert "not known whether the write landed" in error.value.message
    assert addresses(sim) == ["a1", "a2"]
    dev.revert_changes(["admin"])
    assert addresses(sim) == []


def test_revert_keeps_other_admins_changes(pansim_starter):
    process = pansim_starter(["name=hub,port=0,commit_seconds=0.2,username=ops,password=ops-pw"])
    sim = Sim(process)
    ops = Device({"host": "127.0.0.1", "port": sim.port, "username": "ops", "password": "ops-pw", "ca_path": process.ready["ca"]}).open()
    ops.multi_config(MULTI_CONFIG)
    ops.revert_changes(["someone-else"])
    assert sim.address_names(ops.firewall.xapi) == ["a1", "a2"]
    ops.revert_changes(["ops"])
    assert sim.address_names(ops.firewall.xapi) == []


def test_lock_is_waited_for(sim):
    dev = device(sim)
    sim.add_fault("config-locked", "type=op&cmd=config-lock", 2, admin="alice")
    dev.lock_config("test", wait=10, interval=0.1)
    assert [lock["admin"] for lock in dev.config_locks()] == ["admin"]
    assert injected(sim, "config-locked") == 2


def test_lock_of_other_session_names_holder(sim):
    first = device(sim)
    first.lock_config("first run")
    second = device(sim)
    with pytest.raises(DeviceError) as error:
        second.lock_config("second run", wait=0.3, interval=0.1)
    message = error.value.message
    assert "You already own a config lock" in message
    assert "held by admin" in message
    assert "'first run'" in message
    assert "after waiting" not in message or "0 seconds" in message


def test_commit_waits_while_another_commit_runs(sim):
    dev = device(sim)
    dev.multi_config(MULTI_CONFIG)
    sim.add_fault("commit-in-progress", "type=commit", 2)
    job = start_commit(dev, "<commit></commit>", timeout=30, interval=0.1)
    assert job
    assert injected(sim, "commit-in-progress") == 2


def test_commit_busy_past_timeout_is_not_started(sim):
    dev = device(sim)
    dev.multi_config(MULTI_CONFIG)
    sim.add_fault("commit-in-progress", "type=commit", "every")
    with pytest.raises(CommitNotStarted) as error:
        start_commit(dev, "<commit></commit>", timeout=1, interval=0.2)
    assert "Another commit/validate is in progress" in str(error.value)
    assert commit_jobs(sim) == []


def test_commit_that_started_before_the_drop_is_found(sim):
    dev = device(sim)
    dev.multi_config(MULTI_CONFIG)
    sim.add_fault("drop_after", "type=commit", 1)
    job = start_commit(dev, "<commit></commit>", timeout=30, interval=0.1)
    jobs = commit_jobs(sim)
    assert len(jobs) == 1
    assert jobs[0].findtext("id") == job


def test_commit_dropped_before_start_resent(sim):
    dev = device(sim)
    dev.multi_config(MULTI_CONFIG)
    sim.add_fault("drop_before", "type=commit", 1)
    job = start_commit(dev, "<commit></commit>", timeout=30, interval=0.1)
    jobs = commit_jobs(sim)
    assert len(jobs) == 1
    assert jobs[0].findtext("id") == job


def test_revert_skipped_under_other_runs_lock(sim):
    """A second session of the same administrator holds the lock: its changes must survive our failure."""
    other_run = device(sim)
    other_run.lock_config("ipsec.panos.vpn on controller pid 1")
    other_run.multi_config(MULTI_CONFIG)
    failing = device(sim)
    note = revert_uncommitted(failing, ["admin"])
    assert "not reverted" in note
    assert "'ipsec.panos.vpn on controller pid 1'" in note
    assert addresses(sim) == ["a1", "a2"]


def test_revert_goes_ahead_under_own_lock(sim):
    dev = device(sim)
    dev.lock_config("ipsec.panos.vpn on controller pid 2")
    dev.multi_config(MULTI_CONFIG)
    note = revert_uncommitted(dev, ["admin"])
    assert "were reverted" in note
    assert addresses(sim) == []


def test_failed_commit_job_is_reverted(sim):
    dev = device(sim)
    dev.multi_config(MULTI_CONFIG)
    sim.add_fault("commit-fail", "type=commit", 1)
    with pytest.raises(CommitFailed) as error:
        commit_changes(dev, ["admin"], timeout=30, interval=0.1)
    assert "commit failure injected by pansim" in str(error.value)
    assert "were reverted" in str(error.value)
    assert addresses(sim) == []


def test_busy_commit_keeps_changes_of_running_job(pansim_starter):
    """A real commit job runs: it may be committing our changes, so they are not reverted."""
    sim = Sim(pansim_starter(["name=hub,port=0,commit_seconds=5,interface=ethernet1/1:198.51.100.1/24"]))
    dev = device(sim)
    dev.multi_config(MULTI_CONFIG)
    xapi = sim.xapi()
    xapi.commit(cmd="<commit></commit>")
    with pytest.raises(CommitFailed) as error:
        commit_changes(dev, ["admin"], timeout=1, interval=0.2)
    assert "a commit job is running" in str(error.value)
    assert addresses(sim) == ["a1", "a2"]


def test_unlock_leaves_other_sessions_lock(sim):
    """The first run's lock went with its commit; the second run's lock must survive the first run's unlock."""
    first = device(sim)
    first.lock_config("ipsec.panos.vpn on controller pid 3")
    first.multi_config(MULTI_CONFIG)
    start_commit(first, "<commit></commit>", timeout=30, interval=0.1)
    second = device(sim)
    second.lock_config("ipsec.panos.vpn on controller pid 4")
    first.unlock_config()
    assert [lock["comment"] for lock in second.config_locks()] == ["ipsec.panos.vpn on controller pid 4"]
    second.unlock_config()
    assert second.config_locks() == []


def test_lost_lock_reply_finds_own_lock(sim):
    dev = device(sim)
    sim.add_fault("drop_after", "type=op&cmd=config-lock", 1)
    dev.lock_config("ipsec.panos.vpn on controller pid 5", wait=0)
    assert dev.holds_config_lock
    dev.unlock_config()
    assert dev.config_locks() == []
