"""Models without a restart: the running worker follows `[asr.models]` in config.toml.

    reloader = ModelReloader(worker)
    reloader.publish()                         # after the first load: status into the store
    threading.Thread(target=reloader.run, args=(stop,)).start()
    reloader.requested.set()                   # SIGHUP: read the file again now

Why watch the file: `sauti models add` and `remove` write it, and the person
running them need not know which process is the worker, nor be allowed to signal
it (another account, a container). The file's identity (inode, size, mtime) is
checked every second; `sauti models` replaces the file atomically, so a change is
seen whole. SIGHUP forces a re-read, e.g. to retry a model whose files were
repaired without touching the config.

Decoding goes on throughout: new models load before they are switched in, and a
job already decoding keeps the model it started with (see `Models.update`).
"""

from __future__ import annotations

import logging
import os
import threading

from core import config as config_module
from core.store import Store

log = logging.getLogger("sauti.asr")

POLL_SECONDS = 1.0


class ModelReloader:
    def __init__(self, worker, poll_seconds: float = POLL_SECONDS):
        self.worker = worker
        self.config_path = worker.config.config_path
        self.poll_seconds = poll_seconds
        self.requested = threading.Event()
        self._seen = self._signature()

    def _signature(self):
        try:
            stat = os.stat(self.config_path)
        except FileNotFoundError:
            return None
        return stat.st_ino, stat.st_size, stat.st_mtime_ns

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            forced = self.requested.wait(self.poll_seconds)
            if stop.is_set():
                return
            signature = self._signature()
            if forced or signature != self._seen:
                self.requested.clear()
                self._seen = signature
                try:
                    self.reload()
                except Exception:  # the worker goes on with the models it has
                    log.exception("reloading the models failed; keeping the current ones")

    def reload(self) -> bool:
        """Read the config again and switch models; False when the file is unreadable."""
        try:
            fresh = config_module.load(self.worker.config.data_dir)
        except config_module.ConfigError as exc:
            log.error("config changed but cannot be read (%s); keeping the current models", exc)
            return False
        models = self.worker.models
        before = {language: models.paths[language] for language in models.languages}
        wanted = dict(fresh.asr.models)
        errors = models.update(wanted)  # unchanged models are kept; failed ones are tried again
        for language in sorted(set(before) - set(wanted)):
            log.info("model for %s removed", language)
        for language, path in sorted(wanted.items()):
            if language in errors:
                log.error("model for %s does not load: %s", language, errors[language])
            elif before.get(language) != path:
                log.info("model for %s loaded from %s", language, path)
        self.publish(requeue=[lang for lang in wanted if lang not in errors and before.get(lang) != wanted[lang]])
        return True

    def publish(self, requeue: list[str] = ()) -> None:
        """Write every model's state for the console; alerts waiting for a new model go back to the queue."""
        models = self.worker.models
        errors = models.errors()
        statuses = {language: (models.paths[language], errors.get(language)) for language in models.languages}
        with Store.open(self.worker.config.db_path, migrate=False) as store:
            store.set_model_statuses(statuses, self.worker.name)
            for language in requeue:
                count = store.requeue_without_model(language)
                if count:
                    log.info("%d alert(s) in %s waiting without a model are queued for transcription", count, language)
