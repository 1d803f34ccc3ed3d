"""The transcription worker: claims "transcribe" jobs, runs the pipeline, stores the result.

    worker = Worker(config)              # models load once, shared by the decoding threads
    worker.run(stop_event)               # until stop_event is set (SIGTERM/SIGINT in the CLI)
    worker.run(stop_event, until_idle=True)   # process what is queued, then return

Each decoding thread has its own Store and polls `PRAGMA data_version` (no write lock)
every `poll_seconds`, claiming only when another connection has committed, plus a
full claim attempt every `recheck_seconds` for jobs whose lease ran out. While decoding,
the job's lease is renewed; on stop, the current job is given back untried.

Failures: a recording that does not decode is parked at once (retrying cannot help);
any other error is retried until `max_attempts`, then parked. Either way the alert's
transcript state becomes "failed" with the error, and the alert stays in the queue.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from dataclasses import dataclass

from core.audio.formats import AudioError
from core.config import Config
from core.model import FLAG_SILENT, Source, TranscriptState
from core.store import Job, Store
from core.store.alerts import RESCORE, SPOT, TRANSCRIBE

from .engine import Models
from core.lexicon import Lexicons
from .pipeline import Pipeline, Transcription
from .spotting.alerts import ExampleScanner, as_keywords

log = logging.getLogger("sauti.asr")

ACTOR = "asr"  # who the audit log names for the worker's changes


class Stopping(Exception):
    """The worker is stopping; the current job goes back to the queue."""


class LeaseLost(Exception):
    """Another worker took the job (our lease ran out); drop our result."""


class PermanentError(Exception):
    """Retrying will not help (the alert or its recording is gone)."""


@dataclass
class Outcome:
    job_id: int
    alert_id: int | None
    state: str                      # done | no_model | failed | retry | released | lost; spotted | skipped | rescored
    transcription: Transcription | None = None
    error: str | None = None


class Worker:
    def __init__(
        self,
        config: Config,
        models: Models | None = None,
        lexicons: Lexicons | None = None,
        threads: int | None = None,
        name: str | None = None,
        poll_seconds: float = 0.2,
        recheck_seconds: float = 2.0,
        on_outcome=None,
    ):
        self.config = config
        self.models = models if models is not None else Models(dict(config.asr.models))
        self.lexicons = lexicons if lexicons is not None else Lexicons(config.data_dir / "lexicons")
        self.pipeline = Pipeline(self.models, self.lexicons, whisper_hotwords=config.asr.whisper_hotwords)
        self.examples = ExampleScanner(config.data_dir, config.asr.spot_threshold, config.asr.spot_decisions)
        self.threads = threads or config.asr.threads or os.cpu_count() or 1
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.poll_seconds = poll_seconds
        self.recheck_seconds = recheck_seconds
        self.on_outcome = on_outcome
        self.errors: list[BaseException] = []

    # -- running -----------------------------------------------------------

    def load_models(self) -> dict[str, str]:
        """Load every configured model now (so the first alert does not wait); returns errors."""
        errors = self.models.load_all()
        for language, error in errors.items():
            log.error("model for %s does not load: %s", language, error)
        return errors

    def run(self, stop: threading.Event, until_idle: bool = False) -> None:
        """Decode with `self.threads` threads until `stop` is set (or, with until_idle,
        until no job is left to claim)."""
        Store.open(self.config.db_path).close()  # create/migrate once, before the threads
        workers = [
            threading.Thread(target=self._thread_main, args=(i, stop, until_idle), name=f"asr-{i}", daemon=True)
            for i in range(self.threads)
        ]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        if self.errors:
            raise RuntimeError(f"a decoding thread crashed: {self.errors[0]!r}") from self.errors[0]

    def _thread_main(self, index: int, stop: threading.Event, until_idle: bool) -> None:
        name = f"{self.name}:{index}"
        try:
            with Store.open(self.config.db_path, migrate=False) as store:
                self._loop(store, name, stop, until_idle)
        except BaseException as exc:  # logged and re-raised by run() in the main thread
            log.exception("decoding thread %s crashed", name)
            self.errors.append(exc)
            stop.set()

    def _loop(self, store: Store, name: str, stop: threading.Event, until_idle: bool) -> None:
        seen_version, last_full = None, 0.0
        while not stop.is_set():
            version = store.data_version()
            now = time.monotonic()
            if version != seen_version or now - last_full >= self.recheck_seconds or until_idle:
                seen_version, last_full = version, now
                job = self._claim(store, name)
                self._sync_parked(store)  # after the claim, which may have parked a job
                if job is not None:
                    if job.kind == SPOT:
                        self.spot(store, job, name, stop)
                    elif job.kind == RESCORE:
                        self.rescore(store, job)
                    else:
                        self.process(store, job, name, stop)
                    continue
                if until_idle:
                    return
            stop.wait(self.poll_seconds)

    def _claim(self, store: Store, name: str) -> Job | None:
        """Every waiting keyword pass before any full decode: after a burst, each alert
        gets its provisional priority first."""
        lease, attempts = self.config.asr.lease_seconds, self.config.asr.max_attempts
        return (store.claim_job(SPOT, name, lease, 1) or store.claim_job(RESCORE, name, lease, 1)
                or store.claim_job(TRANSCRIBE, name, lease, attempts))

    def _sync_parked(self, store: Store) -> None:
        """Jobs parked by claim_job (their worker died on the last attempt) fail their alert."""
        for row in store.parked_without_failed_state(TRANSCRIBE):
            error = row["last_error"] or "worker stopped before finishing"
            store.set_transcript_state(row["alert_id"], TranscriptState.FAILED, _failed_message(error))

    # -- one job -----------------------------------------------------------

    def process(self, store: Store, job: Job, worker: str, stop: threading.Event | None = None) -> Outcome:
        lease = self.config.asr.lease_seconds
        renewed = [time.monotonic()]

        def heartbeat() -> None:
            if stop is not None and stop.is_set():
                raise Stopping()
            if time.monotonic() - renewed[0] >= lease / 4:
                if not store.renew_lease(job.id, worker, lease):
                    raise LeaseLost()
                renewed[0] = time.monotonic()

        started = time.perf_counter()
        try:
            alert, paths, ids = self._inputs(store, job)
            result = self.pipeline.run(paths, self._language_for(alert), heartbeat=heartbeat, recording_ids=ids)
            outcome = self._store(store, job, worker, result)
        except Stopping:
            store.release_job(job.id, worker)
            log.info("job %s (alert %s) released: worker stopping", job.id, job.alert_id)
            outcome = Outcome(job.id, job.alert_id, "released")
        except LeaseLost:
            log.warning("job %s (alert %s): lease lost to another worker; result dropped", job.id, job.alert_id)
            outcome = Outcome(job.id, job.alert_id, "lost")
        except (AudioError, PermanentError) as exc:
            outcome = self._fail(store, job, str(exc), permanent=True)
        except Exception as exc:
            log.error("job %s (alert %s) failed:\n%s", job.id, job.alert_id, traceback.format_exc())
            outcome = self._fail(store, job, f"{type(exc).__name__}: {exc}", permanent=False)
        log.log(logging.DEBUG if outcome.state in ("done", "no_model") else logging.INFO,
                "job %s alert %s: %s in %.2fs", job.id, job.alert_id, outcome.state, time.perf_counter() - started)
        if self.on_outcome is not None:
            self.on_outcome(outcome)
        return outcome

    def _language_for(self, alert: dict) -> str | None:
        """The language to decode in; None asks the pipeline to identify it.

        A radio alert's language is its station's default ([ivr] radio_languages), not a
        caller's choice: with more than one model the ASR identifies it, as for an alert
        without a language. With one model or none, the station's language stands."""
        if alert.get("source") == Source.RADIO and len(self.models.languages) > 1:
            return None
        return alert["language"]

    def spot(self, store: Store, job: Job, worker: str, stop: threading.Event | None = None) -> Outcome:
        """The keyword pass for one alert: one attempt (the full decode follows anyway)."""
        started = time.perf_counter()
        try:
            if stop is not None and stop.is_set():
                raise Stopping()
            alert, paths, _ = self._inputs(store, job)
            language = self._language_for(alert)
            result = self.pipeline.spot(paths, language)
            heard = self.examples.scan(store, language, paths)   # by example: with or without a model
            keywords = [{**k, "spotted": True} for k in (result.keywords if result else [])] + as_keywords(heard)
            with store.transaction():
                if heard:
                    store.replace_hits(job.alert_id, language, heard)
                kept = (result is not None or bool(heard)) and store.set_provisional_keywords(
                    job.alert_id, keywords, self.lexicons.get(language).priority(keywords))
                store.complete_job(job.id)
            outcome = Outcome(job.id, job.alert_id, "spotted" if kept else "skipped", transcription=result)
        except Stopping:
            store.release_job(job.id, worker)
            outcome = Outcome(job.id, job.alert_id, "released")
        except Exception as exc:  # the full decode still comes: note it and go on
            log.warning("keyword pass for alert %s failed: %s", job.alert_id, exc)
            store.fail_job(job.id, f"{type(exc).__name__}: {exc}", max_attempts=1)
            outcome = Outcome(job.id, job.alert_id, "failed", error=str(exc))
        log.debug("spot job %s alert %s: %s in %.2fs", job.id, job.alert_id, outcome.state,
                  time.perf_counter() - started)
        if self.on_outcome is not None:
            self.on_outcome(outcome)
        return outcome

    def rescore(self, store: Store, job: Job) -> Outcome:
        """Score a verifier's corrected transcript with the alert language's lexicon."""
        alert = store.get_alert(job.alert_id) if job.alert_id is not None else None
        latest = store.latest_transcript(job.alert_id) if alert else None
        state = "skipped"
        if latest is not None and latest["origin"] != "asr":
            lexicon = self.lexicons.get(alert["language"])
            keywords = lexicon.match_text(latest["text"])
            with store.transaction():
                store.set_keywords(job.alert_id, keywords, lexicon.priority(keywords))
                store.complete_job(job.id)
            state = "rescored"
        else:
            store.complete_job(job.id)
        outcome = Outcome(job.id, job.alert_id, state)
        if self.on_outcome is not None:
            self.on_outcome(outcome)
        return outcome

    def _inputs(self, store: Store, job: Job):
        alert = store.get_alert(job.alert_id) if job.alert_id is not None else None
        if alert is None:
            raise PermanentError(f"alert {job.alert_id} does not exist")
        recordings = store.recordings_for(alert["id"])
        if not recordings:
            raise PermanentError("the alert has no recording")
        paths = [self.config.data_dir / r["path"] for r in recordings]
        return alert, paths, [r["id"] for r in recordings]

    def _store(self, store: Store, job: Job, worker: str, result: Transcription) -> Outcome:
        alert_id = job.alert_id
        with store.transaction():
            if not store.renew_lease(job.id, worker, self.config.asr.lease_seconds):
                raise LeaseLost()
            # Flags state what is true now: speech found lowers the IVR's "silent" flag.
            silent = {"add" if result.silent else "clear": (FLAG_SILENT,)}
            store.set_flags(alert_id, ACTOR, **silent)
            if result.language_inferred:
                store.set_language(alert_id, result.language, inferred=True, actor=ACTOR)
            if result.model is None and not result.silent:
                store.set_transcript_state(alert_id, TranscriptState.NO_MODEL, result.no_model_reason)
                state = TranscriptState.NO_MODEL.value
            else:
                store.add_transcript(
                    alert_id,
                    result.text,
                    words=result.words,
                    model=result.model,
                    language=result.language,
                    confidence=result.confidence,
                    speech_seconds=result.speech_seconds,
                    origin="asr",
                )
                if not any(t["origin"] != "asr" for t in store.transcripts_for(alert_id)):
                    # A verifier's correction came first: its score stands (RESCORE).
                    store.set_keywords(alert_id, result.keywords, result.priority)
                state = TranscriptState.DONE.value
            store.complete_job(job.id)
        return Outcome(job.id, alert_id, state, transcription=result)

    def _fail(self, store: Store, job: Job, error: str, permanent: bool) -> Outcome:
        max_attempts = job.attempts if permanent else self.config.asr.max_attempts
        parked = store.fail_job(job.id, error, max_attempts=max_attempts)
        if job.alert_id is not None and store.get_alert(job.alert_id) is not None:
            if parked:
                store.set_transcript_state(job.alert_id, TranscriptState.FAILED, _failed_message(error))
            else:
                store.set_transcript_state(
                    job.alert_id, TranscriptState.PENDING,
                    f"attempt {job.attempts} of {self.config.asr.max_attempts} failed: {error}",
                )
        log.warning("job %s alert %s %s: %s", job.id, job.alert_id, "parked" if parked else "will retry", error)
        return Outcome(job.id, job.alert_id, "failed" if parked else "retry", error=error)


def _failed_message(error: str) -> str:
    return f"transcription failed: {error} (listen to the recording)"
