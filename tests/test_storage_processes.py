"""The storage layer with real processes: concurrency, SIGKILL, cross-process reads, backup."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from forms_service.storage import StorageError, Store, backup, check, restore

pytestmark = pytest.mark.slow

WRITER = Path(__file__).parent / "support" / "storage_writer.py"  # run as a script


def start_writer(data_dir: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WRITER), str(data_dir), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def parse(output: str) -> tuple[set[int], set[int], set[int]]:
    """Return ids (acknowledged inserts, removals attempted, removals acknowledged)."""
    seen: dict[str, set[int]] = {"ack": set(), "removing": set(), "removed": set()}
    for line in output.splitlines():
        word, _, value = line.partition(" ")
        if word in seen:
            seen[word].add(int(value))
    return seen["ack"], seen["removing"], seen["removed"]


def leftovers(data_dir: Path) -> list[str]:
    return [name for name in os.listdir(data_dir) if ".tmp-" in name]


def stored_ids(data_dir: Path, table: str = "enrollments") -> list[int]:
    with Store(data_dir) as store:
        return [doc["id"] for doc in store.table(table).all()]


def test_eight_processes_insert_2000_records_without_losing_one(tmp_path):
    writers = [start_writer(tmp_path, "--count", "250", "--tag", f"w{i}") for i in range(8)]
    acked = set()
    for writer in writers:
        out, err = writer.communicate(timeout=50)
        assert writer.returncode == 0, err
        acked |= parse(out)[0]

    ids = stored_ids(tmp_path)
    assert len(ids) == 2000
    assert len(set(ids)) == 2000
    assert set(ids) == acked == set(range(1, 2001))
    report = check(tmp_path)
    assert report.ok, report.problems
    assert report.records == 2000


def test_sigkill_at_random_moments_never_loses_an_acknowledged_write(tmp_path):
    # 32 kills, as many with named temporary files as with O_TMPFILE. Half land at
    # a random moment of the writer's work; the other half just after it starts
    # its first, second, third or fourth removal (the journal being rewritten, the
    # longest and riskiest operation), so that window is reached on any machine,
    # however fast its disk.
    rng = random.Random(20250501)
    expected, maybe_gone, gone = set(), set(), set()
    for round_ in range(32):
        flags = ["--count", "0", "--mixed", "--tag", f"k{round_}"]
        if round_ % 2:
            flags.append("--named-temp")
        writer = start_writer(tmp_path, *flags)
        # Kill at a random moment of its work, not of its start-up: on a busy
        # machine starting Python alone can take longer than the whole delay.
        lines = [writer.stdout.readline()]
        assert lines[0].startswith("ready"), lines[0] + writer.stderr.read()
        if round_ % 4 < 2:
            time.sleep(rng.uniform(0.02, 0.3))
        else:
            removals = rng.randint(1, 4)
            while removals:
                lines.append(writer.stdout.readline())
                assert lines[-1], writer.stderr.read()  # the writer stopped by itself
                removals -= lines[-1].startswith("removing")
            time.sleep(rng.uniform(0, 0.002))
        writer.send_signal(signal.SIGKILL)
        out, _ = writer.communicate(timeout=10)
        assert writer.returncode == -signal.SIGKILL
        acked, removing, removed = parse("".join(lines) + out)
        expected |= acked
        maybe_gone |= removing
        gone |= removed

        ids = set(stored_ids(tmp_path))  # opening cleans up and must not raise
        assert expected - maybe_gone <= ids, f"round {round_}: lost {expected - maybe_gone - ids}"
        assert not ids & gone, f"round {round_}: erased documents came back"
        assert leftovers(tmp_path) == []
    assert check(tmp_path).ok
    assert len(expected) > 1000  # the writers did real work between kills


def test_reads_pick_up_writes_of_another_process(tmp_path):
    with Store(tmp_path) as store:
        table = store.table("enrollments")
        assert len(table) == 0
        writer = start_writer(tmp_path, "--count", "30", "--mixed")
        out, err = writer.communicate(timeout=30)
        assert writer.returncode == 0, err
        acked, removing, _ = parse(out)
        assert sorted(doc["id"] for doc in table.all()) == sorted(acked - removing)
        # The writer removed a document, which rewrote the journal (new inode):
        # this Store must switch files and still append after it.
        new_id = table.insert({"tag": "parent"})
        assert new_id == max(acked) + 1
    assert stored_ids(tmp_path) == sorted(acked - removing | {new_id})


def test_backup_while_writers_run_holds_everything_acknowledged_before(tmp_path):
    data_dir = tmp_path / "data"
    writers = [start_writer(data_dir, "--count", "0", "--mixed", "--tag", tag) for tag in "ab"]
    try:
        # Wait for enough writes rather than a fixed second: on a loaded machine
        # the writers may not have started within it.
        deadline = time.monotonic() + 30
        while True:
            time.sleep(0.2)
            with Store(data_dir) as store:  # everything visible now was acknowledged
                before = {doc["id"] for doc in store.table("enrollments").all()}
            if len(before) > 50 or time.monotonic() > deadline:
                break
        archive = backup(data_dir, tmp_path / "backup.tar.gz")
        time.sleep(0.2)
    finally:
        outputs = []
        for writer in writers:
            writer.kill()
            outputs.append(writer.communicate(timeout=10)[0])
    removed_during = set().union(*(parse(out)[1] for out in outputs))

    with tarfile.open(archive) as tar:
        assert "enrollments.jsonl" in tar.getnames()
    restored = tmp_path / "restored"
    restore(archive, restored)
    assert check(restored).ok
    in_backup = set(stored_ids(restored))
    assert len(before) > 50
    assert before - removed_during <= in_backup


def test_restore_is_refused_while_another_process_has_the_store_open(tmp_path):
    data_dir = tmp_path / "data"
    with Store(data_dir) as store:
        store.table("enrollments").insert({"a": 1})
    archive = backup(data_dir, tmp_path / "b.tar.gz")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         ("import sys, forms_service.storage as s; st = s.Store(sys.argv[1]);"
          " print('open', flush=True); sys.stdin.read(); st.close()"),
         str(data_dir)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StorageError, match="arrêtez-le"):
            restore(archive, data_dir, force=True)
    finally:
        holder.communicate("", timeout=10)
    restore(archive, data_dir, force=True)


def run_scenario(data_dir: Path, scenario: str) -> dict:
    """Run a storage_writer scenario in a private mount namespace (root only)."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare to mount a private filesystem")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("cannot create a mount namespace here")
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private",
         sys.executable, str(WRITER), str(data_dir), "--scenario", scenario],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_really_full_disk_refuses_writes_and_keeps_what_was_stored(tmp_path):
    result = run_scenario(tmp_path / "data", "full-disk")
    assert "Disque plein" in result["error"]
    assert result["acked"] and result["stored"] == result["acked"]
    assert "Disque plein" in result["remove_error"]  # an erasure needs room for the copy
    assert result["unchanged"] and result["check_ok"] and result["leftovers"] == []


def test_a_really_read_only_directory_refuses_writes_and_still_serves_reads(tmp_path):
    result = run_scenario(tmp_path / "data", "read-only")
    assert all("lecture seule" in error for error in result["errors"]), result["errors"]
    assert result["read_back"] == {"email": "a@exemple.fr", "id": 1}
    assert "lecture seule" in result["reopen_error"]
    assert result["unchanged"]


def test_a_writer_dying_inside_write_leaves_a_torn_line_that_the_next_open_drops(tmp_path):
    # The kernel stops a multi-page write() when SIGKILL arrives between pages.
    writer = start_writer(tmp_path, "--count", "0", "--die-mid-write", "40")
    out, _ = writer.communicate(timeout=30)
    assert writer.returncode == 9
    acked = parse(out)[0]
    damaged = (tmp_path / "enrollments.jsonl").read_bytes()
    assert not damaged.endswith(b"\n")
    report = check(tmp_path)
    assert not report.ok and "jamais confirmée" in report.problems[0]
    assert (tmp_path / "enrollments.jsonl").read_bytes() == damaged

    assert set(stored_ids(tmp_path)) == acked  # opens, drops the torn line, loses nothing
    assert (tmp_path / "enrollments.jsonl").read_bytes() == damaged[: damaged.rfind(b"\n") + 1]
    assert check(tmp_path).ok
