"""optuna_search on a real PostgreSQL server: sharing, killed workers, resume.

A session fixture starts a throwaway server (``initdb`` into a temporary
folder, ``pg_ctl start`` on a free port of 127.0.0.1; as the unprivileged user
``nobody`` when the tests run as root, since PostgreSQL refuses root), or uses
the database of ``SKFACE_TEST_POSTGRES_URL`` when that is set. Without the
PostgreSQL binaries or a driver (psycopg2, or psycopg 3) the tests skip, except
under ``CI=true``, where they fail: CI must not pass by skipping them.

The workers are real processes, one of them killed with SIGKILL mid-trial.
"""

import glob
import importlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid

import optuna
import pytest
from optuna.trial import TrialState
from sklearn.tree import DecisionTreeClassifier

from skface.model_selection import optuna_search, rdb_storage
from skface.model_selection._storage import (
    POSTGRES_DRIVERS,
    _with_postgres_driver,
    resolve_storage,
)

PG_BINARIES = ("initdb", "pg_ctl", "postgres")
URL_VARIABLE = "SKFACE_TEST_POSTGRES_URL"
# Short heartbeat for the killed-worker test (production default: 60 s).
HEARTBEAT, GRACE = 1, 2


def _importable(module):
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def _skip_or_fail(reason):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: this test must run in CI, not skip)")
    pytest.skip(reason)


def _pg_bindir():
    """Folder holding initdb, pg_ctl and postgres (PATH, then Debian's)."""
    found = shutil.which("initdb")
    candidates = [os.path.dirname(found)] if found else []
    # Debian's postgresql package: /usr/lib/postgresql/<major>/bin, off PATH.
    debian = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted(debian, key=lambda d: int(d.split("/")[-2]), reverse=True)
    for folder in candidates:
        if all(os.access(os.path.join(folder, b), os.X_OK) for b in PG_BINARIES):
            return folder
    return None


def _as_user(user):
    """Command prefix running a program as ``user`` (from root), or []."""
    if os.geteuid() != 0:
        return []
    entry = pwd.getpwnam(user)
    if shutil.which("runuser"):  # util-linux, in every Debian
        return ["runuser", "-u", user, "--"]
    if shutil.which("setpriv"):
        return [
            "setpriv",
            f"--reuid={entry.pw_uid}",
            f"--regid={entry.pw_gid}",
            "--clear-groups",
            "--",
        ]
    pytest.fail("running as root, and neither runuser nor setpriv is installed")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(cmd, **kwargs):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}"
        )
    return proc


@pytest.fixture(scope="session")
def postgres():
    """``(base URL, whether the server is ours)`` of a PostgreSQL server."""
    if not any(_importable(m) for m, _ in POSTGRES_DRIVERS):
        _skip_or_fail(
            'no PostgreSQL driver: psycopg2 or psycopg (pip install "skface[postgres]")'
        )
    if os.environ.get(URL_VARIABLE):
        yield os.environ[URL_VARIABLE], False
        return
    bindir = _pg_bindir()
    if bindir is None:
        _skip_or_fail(
            f"PostgreSQL binaries {PG_BINARIES} not on PATH nor in "
            f"/usr/lib/postgresql/*/bin (apt-get install postgresql), and "
            f"{URL_VARIABLE} is not set"
        )
    user = "nobody"
    prefix = _as_user(user)
    root = tempfile.mkdtemp(prefix="skface-pg-")
    if prefix:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    data, log = os.path.join(root, "data"), os.path.join(root, "server.log")
    binary = {b: os.path.join(bindir, b) for b in PG_BINARIES}
    pg_ctl = [*prefix, binary["pg_ctl"], "-D", data]
    started = False
    try:
        _run(
            [
                *prefix,
                binary["initdb"],
                "-D",
                data,
                "-U",
                "postgres",
                "--auth=trust",
                "--no-locale",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            cwd=root,
        )
        for attempt in range(3):  # another program may take the free port
            port = _free_port()
            with open(os.path.join(data, "postgresql.auto.conf"), "a") as conf:
                # A throwaway server: durability off, no socket in /var/run.
                conf.write(
                    f"listen_addresses = '127.0.0.1'\nport = {port}\n"
                    f"unix_socket_directories = '{root}'\nfsync = off\n"
                    "synchronous_commit = off\nfull_page_writes = off\n"
                )
            proc = subprocess.run(
                [*pg_ctl, "-l", log, "-w", "-t", "60", "start"],
                capture_output=True,
                text=True,
                cwd=root,
            )
            if proc.returncode == 0:
                started = True
                break
            if attempt == 2:
                with open(log) as f:
                    raise RuntimeError(f"pg_ctl start failed:\n{proc.stderr}{f.read()}")
        yield f"postgresql://postgres@127.0.0.1:{port}", True
    finally:
        if started:
            subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(postgres):
    """URL of an empty database of its own (on our server) for each test."""
    base, ours = postgres
    if not ours:
        return base  # the tests use study names of their own
    import sqlalchemy

    name = f"t_{uuid.uuid4().hex[:12]}"
    url = _with_postgres_driver(f"{base}/postgres")
    engine = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text(f"CREATE DATABASE {name}"))
    finally:
        engine.dispose()
    return f"{base}/{name}"


WORKER = textwrap.dedent(
    """
    import json, os, sys, time
    import optuna
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier
    from skface.model_selection import optuna_search, rdb_storage

    args = json.loads(sys.argv[1])
    done = []

    def space(trial):
        params = {"max_depth": trial.suggest_int("max_depth", 1, 8)}
        if isinstance(trial, optuna.trial.FixedTrial):  # best_params_
            return params
        trial.set_user_attr("pid", os.getpid())
        if len(done) == args.get("hang_at", -1):
            time.sleep(1.0)  # the heartbeat thread has written by now
            with open(args["hang_file"] + ".tmp", "w") as f:
                f.write(str(trial.number))
            os.replace(args["hang_file"] + ".tmp", args["hang_file"])
            time.sleep(600)  # until SIGKILL
        done.append(trial.number)
        time.sleep(args.get("sleep", 0.0))
        return params

    storage = args["url"]
    if args.get("heartbeat"):
        storage = rdb_storage(
            storage, heartbeat_interval=args["heartbeat"],
            grace_period=args["grace"], max_retry=1,
        )
    if args.get("barrier"):  # start the trials of both workers together
        open(args["barrier"] + str(os.getpid()), "w").close()
        deadline = time.time() + 60
        while len(os.listdir(os.path.dirname(args["barrier"]))) < 2:
            assert time.time() < deadline, "the other worker never came"
            time.sleep(0.05)
    X, y = load_iris(return_X_y=True)
    search = optuna_search(
        DecisionTreeClassifier(random_state=0), X, y, space,
        n_trials=args["n_trials"], cv=2, storage=storage,
        study_name=args["study"], random_state=args["seed"], pruning=False,
    )
    print(json.dumps({"n_trials": search.n_trials_, "numbers": done}))
    """
)


def _worker(tmp_path, **args):
    script = tmp_path / "worker.py"
    if not script.exists():
        script.write_text(WORKER)
    return subprocess.Popen(
        [sys.executable, str(script), json.dumps(args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc, timeout=120):
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def _iris():
    from sklearn.datasets import load_iris

    return load_iris(return_X_y=True)


def _study_name():
    return f"s_{uuid.uuid4().hex[:12]}"


def test_two_processes_share_one_study(pg_url, tmp_path):
    study_name = _study_name()
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    # The plain URL: resolve_storage opens it with rdb_storage's defaults.
    procs = [
        _worker(
            tmp_path,
            url=pg_url,
            study=study_name,
            seed=seed,
            n_trials=3,
            sleep=0.3,
            barrier=str(barrier / "ready-"),
        )
        for seed in (1, 2)
    ]
    results = [_finish(proc) for proc in procs]
    assert [r["n_trials"] for r in results] == [3, 3]
    study = optuna.load_study(study_name=study_name, storage=rdb_storage(pg_url))
    trials = study.trials
    assert len(trials) == 6
    assert sorted(t.number for t in trials) == list(range(6))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    pids = {proc.pid for proc in procs}
    assert sorted(t.user_attrs["pid"] for t in trials) == sorted([*pids] * 3)
    assert sorted(n for r in results for n in r["numbers"]) == list(range(6))
    # The two processes ran at the same time: their trials overlap.
    spans = {
        pid: [
            (t.datetime_start, t.datetime_complete)
            for t in trials
            if t.user_attrs["pid"] == pid
        ]
        for pid in pids
    }
    first, second = spans.values()
    assert any(a0 < b1 and b0 < a1 for a0, a1 in first for b0, b1 in second)


def test_killed_worker_trial_fails_and_is_retried(pg_url, tmp_path):
    study_name = _study_name()
    hang_file = tmp_path / "hanging"
    common = dict(url=pg_url, study=study_name, heartbeat=HEARTBEAT, grace=GRACE)
    doomed = _worker(
        tmp_path, **common, seed=1, n_trials=3, hang_at=1, hang_file=str(hang_file)
    )
    deadline = time.monotonic() + 90
    while not hang_file.exists():
        assert doomed.poll() is None, doomed.communicate()[1]
        assert time.monotonic() < deadline, "the worker never reached its trial"
        time.sleep(0.05)
    number = int(hang_file.read_text())
    storage = rdb_storage(pg_url, heartbeat_interval=HEARTBEAT, grace_period=GRACE)
    study = optuna.load_study(study_name=study_name, storage=storage)
    assert study.trials[number].state == TrialState.RUNNING
    doomed.send_signal(signal.SIGKILL)
    doomed.communicate(timeout=30)
    killed_at = time.monotonic()
    assert doomed.returncode == -signal.SIGKILL
    # Dead, yet RUNNING in the database: nothing has looked at it yet.
    assert study.trials[number].state == TrialState.RUNNING
    kept = study.trials[number]

    # Once the grace period has passed, the next trial of any search on the
    # study (here one in this process) fails the stale trial and, with
    # max_retry=1, queues its parameters again.
    time.sleep(max(0.0, killed_at + GRACE + 0.5 - time.monotonic()))
    retrying = rdb_storage(
        pg_url, heartbeat_interval=HEARTBEAT, grace_period=GRACE, max_retry=1
    )

    def space(trial):
        if not isinstance(trial, optuna.trial.FixedTrial):
            trial.set_user_attr("pid", os.getpid())
        return {"max_depth": trial.suggest_int("max_depth", 1, 8)}

    X, y = _iris()
    survivor = optuna_search(
        DecisionTreeClassifier(random_state=0),
        X,
        y,
        space,
        n_trials=2,
        cv=2,
        storage=retrying,
        study_name=study_name,
        random_state=2,
        pruning=False,
    )
    assert survivor.n_trials_ == 2
    trials = optuna.load_study(study_name=study_name, storage=storage).trials
    assert len(trials) == 4  # 1 complete + 1 killed, then 2 of the survivor
    assert trials[number].state == TrialState.FAIL
    assert [t.state for t in trials].count(TrialState.COMPLETE) == 3
    assert survivor.cv_results_["state"][number] == "FAIL"
    retried = [t for t in trials if t.system_attrs.get("failed_trial") == number]
    assert len(retried) == 1
    retry = retried[0]
    assert retry.state == TrialState.COMPLETE
    assert retry.number > number and retry.params == kept.params
    assert retry.user_attrs["pid"] == os.getpid()


def test_resume_adds_trials(pg_url):
    X, y = _iris()
    space = {"max_depth": optuna.distributions.IntDistribution(1, 8)}
    study_name = _study_name()
    kwargs = dict(
        n_trials=2, cv=2, storage=pg_url, study_name=study_name, pruning=False
    )
    tree = DecisionTreeClassifier(random_state=0)
    first = optuna_search(tree, X, y, space, random_state=0, **kwargs)
    assert len(first.study_.trials) == 2
    # A database server's URL is opened with a heartbeat and pre-ping.
    storage = resolve_storage(pg_url)
    assert isinstance(storage, optuna.storages.RDBStorage)
    assert storage.heartbeat_interval == 60 and storage.engine.pool._pre_ping
    second = optuna_search(tree, X, y, space, random_state=1, **kwargs)
    trials = second.study_.trials
    assert second.n_trials_ == 2 and len(trials) == 4
    assert [t.number for t in trials] == [0, 1, 2, 3]
    assert second.best_score_ == max(t.value for t in trials)
    assert list(second.cv_results_["number"]) == [0, 1, 2, 3]
    with pytest.raises(optuna.exceptions.DuplicatedStudyError):
        optuna_search(
            tree, X, y, space, **{**kwargs, "n_trials": 1}, load_if_exists=False
        )
    # The study is in the database, not in this process: a new storage sees it.
    again = optuna.load_study(study_name=study_name, storage=resolve_storage(pg_url))
    assert len(again.trials) == 4


# --------------------------------------------------------------------------
# rdb_storage without a server


def test_rdb_storage_options():
    storage = rdb_storage(
        "sqlite:///:memory:", heartbeat_interval=5, grace_period=7, max_retry=2
    )
    assert (storage.heartbeat_interval, storage.grace_period) == (5, 7)
    # (failed_trial_callback: the attribute in every Optuna >= 4)
    assert storage.failed_trial_callback is not None
    assert rdb_storage("sqlite://", max_retry=0).failed_trial_callback is None
    off = rdb_storage("sqlite://", heartbeat_interval=None)
    assert off.get_heartbeat_interval() is None
    # SQLite files are local: pre-ping only for database servers.
    assert not storage.engine.pool._pre_ping


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"heartbeat_interval": 0}, "heartbeat_interval must be an integer >= 1"),
        ({"grace_period": 1.5}, "grace_period must be an integer >= 1 or None"),
        ({"max_retry": -1}, "max_retry must be an integer >= 0, got -1"),
        ({"max_retry": None}, "max_retry must be an integer >= 0, got None"),
        ({"heartbeat_interval": None, "max_retry": 1}, "need a heartbeat"),
    ],
)
def test_rdb_storage_rejects_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        rdb_storage("sqlite://", **kwargs)
    with pytest.raises(ValueError, match="must be a database URL"):
        rdb_storage("study.db")


def test_postgres_urls_name_the_installed_driver():
    installed = [d for m, d in POSTGRES_DRIVERS if _importable(m)]
    expected = f"postgresql+{installed[0]}" if installed else "postgresql"
    assert _with_postgres_driver("postgres://u:p@h/db") == f"{expected}://u:p@h/db"
    assert _with_postgres_driver("postgresql://h/db") == f"{expected}://h/db"
    for url in ("postgresql+psycopg://h/db", "mysql://h/db", "sqlite:///a.db"):
        assert _with_postgres_driver(url) == url
