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
* an :class:`optuna.storages.BaseStorage` instance: used as given.
"""

from __future__ import annotations

import os
import time

__all__ = ["open_study", "resolve_storage"]

SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
JOURNAL_SUFFIXES = (".log", ".journal", ".jsonl")
DEFAULT_STUDY_NAME = "skface"
# Seconds a SQLite writer waits for another process's lock before failing.
_SQLITE_TIMEOUT = 60


def _rdb(url, attempts=5):
    from optuna.storages import RDBStorage
    from sqlalchemy.exc import IntegrityError, OperationalError

    engine_kwargs = None
    if url.startswith("sqlite"):
        # Several processes write one file: wait for the lock, do not fail.
        engine_kwargs = {"connect_args": {"timeout": _SQLITE_TIMEOUT}}
    for attempt in range(attempts):
        try:
            return RDBStorage(url, engine_kwargs=engine_kwargs)
        except (IntegrityError, OperationalError):
            # Processes opening a new database together race to create its
            # tables and version row (alembic); the loser finds them on retry.
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


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
