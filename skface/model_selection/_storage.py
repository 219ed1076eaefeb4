"""Where an Optuna study lives: memory, a SQLite or journal file, a database.

``storage`` is resolved once per search:

* ``None``: in memory, gone with the process.
* a path ending in ``.db``, ``.sqlite`` or ``.sqlite3``: a SQLite database
  (``sqlite:///<absolute path>``), created on first use.
* a path ending in ``.log``, ``.journal`` or ``.jsonl``: an append-only journal
  file (:class:`optuna.storages.JournalStorage` over
  :class:`optuna.storages.journal.JournalFileBackend`), safe for several
  processes on one machine or a shared file system with working locks.
* a URL (``sqlite:///...``, ``postgresql://...``, ``mysql://...``): an
  :class:`optuna.storages.RDBStorage`; ``redis://...``: a journal on Redis.
  A database server (``postgresql``, ``mysql``) gets :func:`rdb_storage`'s
  defaults: a heartbeat, so that a trial whose worker was killed is marked
  failed, and connections checked before use.
* an :class:`optuna.storages.BaseStorage` instance: used as given (build one
  with :func:`rdb_storage` to choose the heartbeat and retries).
"""

from __future__ import annotations

import importlib.util
import os
import time
import warnings
from numbers import Integral

__all__ = ["open_study", "rdb_storage", "resolve_storage"]

SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
JOURNAL_SUFFIXES = (".log", ".journal", ".jsonl")
DEFAULT_STUDY_NAME = "skface"
# Seconds a SQLite writer waits for another process's lock before failing.
_SQLITE_TIMEOUT = 60
#: Database servers whose URLs get a heartbeat by default.
SERVER_SCHEMES = ("postgresql", "postgres", "mysql")
#: Seconds between two heartbeats of a running trial on a database server.
HEARTBEAT_INTERVAL = 60
POSTGRES_HINT = 'pip install "skface[postgres]"  (psycopg2-binary)'
#: PostgreSQL drivers, in order of preference, and their SQLAlchemy dialects.
POSTGRES_DRIVERS = (("psycopg2", "psycopg2"), ("psycopg", "psycopg"))


def _with_postgres_driver(url):
    """Name the installed PostgreSQL driver in a bare ``postgresql://`` URL.

    SQLAlchemy's default driver for ``postgresql://`` changed from psycopg2
    (up to 2.0) to psycopg 3 (2.1): name the one that is installed, so the URL
    works with either. ``postgres://`` (as some hosts print it) is accepted
    too. A URL that names its driver (``postgresql+psycopg://``) is kept.
    """
    scheme, rest = url.split("://", 1)
    if scheme.lower() not in ("postgresql", "postgres"):
        return url
    for module, dialect in POSTGRES_DRIVERS:
        if importlib.util.find_spec(module) is not None:
            return f"postgresql+{dialect}://{rest}"
    return f"postgresql://{rest}"


def _rdb(url, attempts=5, **kwargs):
    from optuna.storages import RDBStorage
    from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

    url = _with_postgres_driver(url)
    engine_kwargs = dict(kwargs.pop("engine_kwargs", None) or {})
    if url.startswith("sqlite"):
        # Several processes write one file: wait for the lock, do not fail.
        engine_kwargs.setdefault("connect_args", {"timeout": _SQLITE_TIMEOUT})
    for attempt in range(attempts):
        try:
            return RDBStorage(url, engine_kwargs=engine_kwargs or None, **kwargs)
        except (IntegrityError, OperationalError, ProgrammingError):
            # Processes opening a new database together race to create its
            # tables and version row (alembic); the loser finds them on retry
            # (PostgreSQL reports the race as a duplicate table or type).
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


def _retry_callback(max_retry):
    """Optuna's callback that re-queues a stale trial (named per version)."""
    from optuna import storages

    cls = getattr(storages, "RetryHeartbeatStaleTrialCallback", None)
    if cls is not None:  # Optuna >= 4.9
        return "heartbeat_stale_trial_callback", cls(max_retry=max_retry)
    return "failed_trial_callback", storages.RetryFailedTrialCallback(max_retry)


def _check_int(name, value, low, *, none_ok):
    if value is None and none_ok:
        return
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        allowed = f"an integer >= {low}" + (" or None" if none_ok else "")
        raise ValueError(f"{name} must be {allowed}, got {value!r}")


def rdb_storage(
    url,
    *,
    heartbeat_interval=HEARTBEAT_INTERVAL,
    grace_period=None,
    max_retry=0,
    engine_kwargs=None,
):
    """Open an Optuna database storage that several searches can share.

    An :class:`optuna.storages.RDBStorage` with a heartbeat: every running
    trial writes a timestamp every ``heartbeat_interval`` seconds, and a trial
    whose worker died (killed, out of memory, machine lost) stops writing. The
    next trial that any search of the study starts marks such a trial
    ``FAIL`` once its last heartbeat is older than ``grace_period``
    (:func:`optuna.storages.fail_stale_trials`), and, with ``max_retry``,
    queues its parameters again, so the study neither keeps a trial
    ``RUNNING`` forever nor loses the point. Processes that open a new
    database together are retried until one has created the tables.

    Pass the result as ``storage`` to :func:`optuna_search` or
    :class:`OptunaSearch`. A ``postgresql://`` or ``mysql://`` URL given as
    ``storage`` gets the defaults below.

    Parameters
    ----------
    url : str
        SQLAlchemy URL, e.g. ``'postgresql://user:password@host:5432/db'``
        (needs ``psycopg2``: ``pip install "skface[postgres]"``;
        ``'postgresql+psycopg://...'`` uses psycopg 3), ``'mysql://...'`` or
        ``'sqlite:///study.db'``.
    heartbeat_interval : int or None, default=60
        Seconds between heartbeats of a running trial; None turns the
        heartbeat (and so the failing of stale trials) off.
    grace_period : int or None, default=None
        Seconds without a heartbeat after which a running trial is stale;
        None is ``2 * heartbeat_interval``. Longer than the longest pause of a
        live worker (a trial's heartbeat thread needs the GIL now and then).
    max_retry : int, default=0
        Times the parameters of a stale trial are queued again (the retry is
        a new trial; ``RetryHeartbeatStaleTrialCallback.retried_trial_number``
        gives the original). 0 only marks stale trials failed.
    engine_kwargs : dict or None, default=None
        Passed to :func:`sqlalchemy.create_engine`; on a database server
        ``pool_pre_ping=True`` is added unless given, so that connections
        dropped by the server (restart, idle timeout) are replaced.

    Returns
    -------
    storage : optuna.storages.RDBStorage

    Raises
    ------
    ImportError
        When the database driver is missing, with the command to install it.

    Examples
    --------
    >>> from skface.model_selection import rdb_storage
    >>> storage = rdb_storage("sqlite:///:memory:", heartbeat_interval=10,
    ...                       max_retry=1)
    >>> storage.heartbeat_interval, storage.grace_period
    (10, None)
    """
    if not isinstance(url, str) or "://" not in url:
        raise ValueError(
            f"url must be a database URL such as "
            f"'postgresql://user:pass@host/db', got {url!r}"
        )
    _check_int("heartbeat_interval", heartbeat_interval, 1, none_ok=True)
    _check_int("grace_period", grace_period, 1, none_ok=True)
    _check_int("max_retry", max_retry, 0, none_ok=False)
    if heartbeat_interval is None and (grace_period is not None or max_retry):
        raise ValueError(
            "grace_period and max_retry need a heartbeat: set heartbeat_interval"
        )
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower()
    engine_kwargs = dict(engine_kwargs or {})
    if scheme in SERVER_SCHEMES:
        engine_kwargs.setdefault("pool_pre_ping", True)
    kwargs = {"engine_kwargs": engine_kwargs or None}
    if heartbeat_interval is not None:
        kwargs.update(heartbeat_interval=int(heartbeat_interval))
        kwargs.update(grace_period=None if grace_period is None else int(grace_period))
        if max_retry:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # experimental in Optuna
                key, callback = _retry_callback(int(max_retry))
            kwargs[key] = callback
    try:
        with warnings.catch_warnings():
            # The heartbeat arguments are marked experimental in Optuna; they
            # are the documented way to fail stale trials.
            from optuna.exceptions import ExperimentalWarning

            warnings.simplefilter("ignore", ExperimentalWarning)
            return _rdb(url, **kwargs)
    except ImportError as exc:
        hint = "install its DBAPI driver"
        if scheme in ("postgresql", "postgres"):
            hint = f"install one with: {POSTGRES_HINT}, or psycopg 3"
        raise ImportError(
            f"no database driver for {scheme!r} URLs ({exc}); {hint}"
        ) from exc


def resolve_storage(storage):
    """Turn the ``storage`` parameter into an Optuna storage (or None).

    Parameters
    ----------
    storage : None, str, path-like or optuna.storages.BaseStorage
        See the module docstring.

    Returns
    -------
    storage : optuna.storages.BaseStorage or None
        None means a new in-memory storage.
    """
    from optuna.storages import BaseStorage, JournalStorage

    if storage is None or isinstance(storage, BaseStorage):
        return storage
    if not isinstance(storage, (str, os.PathLike)):
        raise ValueError(
            "storage must be None, a file path, a database URL or an Optuna "
            f"storage, got {type(storage).__name__}: {storage!r}"
        )
    text = os.fspath(storage)
    if "://" in text:
        if text.startswith("redis"):
            from optuna.storages.journal import JournalRedisBackend

            return JournalStorage(JournalRedisBackend(text))
        scheme = text.split("://", 1)[0].split("+", 1)[0].lower()
        if scheme in SERVER_SCHEMES:
            return rdb_storage(text)
        return _rdb(text)
    lower = text.lower()
    if lower.endswith(SQLITE_SUFFIXES):
        return _rdb(f"sqlite:///{os.path.abspath(text)}")
    if lower.endswith(JOURNAL_SUFFIXES):
        from optuna.storages.journal import JournalFileBackend

        return JournalStorage(JournalFileBackend(os.path.abspath(text)))
    raise ValueError(
        f"storage path {text!r} has an unknown suffix: use {SQLITE_SUFFIXES} for "
        f"SQLite, {JOURNAL_SUFFIXES} for a journal file, or a database URL such "
        "as 'postgresql://user:pass@host/db'"
    )


def open_study(storage, study_name, *, direction, load_if_exists, sampler, pruner):
    """Create or load the study of a search.

    With persistent storage and ``study_name=None`` the storage's only study
    is loaded; an empty storage gets a study named ``'skface'`` (a fixed name,
    so that processes started together on an empty file join one study);
    a storage with several studies needs a ``study_name``.
    """
    import optuna

    storage = resolve_storage(storage)
    if storage is not None and study_name is None:
        names = optuna.study.get_all_study_names(storage)
        if len(names) > 1:
            raise ValueError(
                f"the storage holds {len(names)} studies {sorted(names)}; "
                "pass study_name to choose one"
            )
        study_name = names[0] if names else DEFAULT_STUDY_NAME
    study = optuna.create_study(
        storage=storage,
        study_name=study_name,
        direction=direction,
        load_if_exists=load_if_exists,
        sampler=sampler,
        pruner=pruner,
    )
    if study.direction.name.lower() != direction:
        raise ValueError(
            f"study {study.study_name!r} in this storage is to "
            f"{study.direction.name.lower()}, but direction={direction!r}"
        )
    return study
