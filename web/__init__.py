"""The verification console: a Flask application, one blueprint per area.

    app = create_app(config)                       # a core.config.Config
    app = create_app({"SAUTI_CONFIG": config, "TESTING": True, ...})   # tests: Flask overrides

Configuration is passed in, never read here: `sauti web` loads it and serves the app.

Modules, bottom up: `context` (the store on `g`, the user's role, JSON or HTML) and
`i18n` import nothing else from web/; `templating` (filters, page context, error
pages) and `security` (sessions, CSRF, login throttling) sit on them; one blueprint
per area on top: auth, queue, alerts, admin, prompts... The admins' list pages
(gazetteer, directory, committees) share `admin_lists` (index, delete after asking, CSV
import and export, a refused row in words) and the `_admin_list_page.html` frame,
`csv_upload` (the CSV limit and refusals) and, with the users page, `confirm` (the
question before a delete).

Routes (every one needs a login except /login, /language and /static; every POST
needs the session's CSRF token):
    auth    GET|POST /login  POST /logout  POST /language  GET|POST /password
    queue   GET /  (filters: status language locality source date_from date_to category q page)
            GET /queue/stats  (JSON {waiting, latest_id}, polled by every page)
    alerts  GET /alerts/<id>  GET /alerts/<id>/audio/<recording_id>  (MP3, cached)
            GET /alerts/<id>/waveform/<recording_id>  (JSON peaks and voiced regions: web.waveform)
            POST /alerts/<id>/{transcript,tags,details,notes,decision}
    claims  POST /alerts/<id>/{claim,release,takeover}  (takeover: supervisor)
            (answer JSON when the request sends Accept: application/json)
    admin   GET /admin/audit (supervisor)  GET|POST /admin/users,
            POST /admin/users/<name>/{role,disabled,password} (admin)
    Deletes, disabling an account and a new password ask first (web.confirm): GET of the
    route (or a POST without confirm=1) is a page that says what will change; its POST with
    confirm=1 does it. GET /admin/users/<name>/{disabled,password},
    GET /admin/{localities/<code>,directory/<id>,committees/<id>}/delete
    incidents GET /incidents  POST /incidents (alerts=ids: confirm)  POST /incidents/<id>/split (alert=ids)
    sharing POST /alerts/<id>/shareable (admin: the speech corpus)
    exports GET /exports, /exports/{cap,hxl,geojson}?since=DAY[&recordings=1 (admin)] (supervisor)
            GET /feeds/cap.atom (no login: an API token in Authorization: Bearer or X-Sauti-Token)
    gazetteer GET /admin/localities, /admin/localities/localities.csv  POST /admin/localities, /admin/localities/import,
            /admin/localities/<code>/delete (admin)  (CSV imports here and in directory: web.csv_upload's 2 MiB)
    directory GET /admin/directory, /admin/directory/directory.csv  POST /admin/directory, /admin/directory/import,
            /admin/directory/<id>/delete (admin)
    responses POST /alerts/<id>/responses (action, outcome, text)  GET /reports/response-times?by=week|locality|category,
            /reports/response-times.csv[?by=...] (supervisor; without by, every grouping)
    complaints GET /complaints, /complaints/<id>, /complaints/<id>/audio  POST /complaints/<id> (status, message)
            (the complaints role only, whatever the rank; every access in the complaints' own audit)
            POST /admin/users/<name>/complaints (admin: grant or withdraw the role)
    surveys GET /surveys, /surveys/<id>/results?period=week|month, /surveys/<id>/results.csv (supervisor)
            POST /surveys, GET /surveys/<id>/edit, POST /surveys/<id>/{questions,active},
            /surveys/<id>/questions/<qid>/<lang> (admin: a recording)
    committees GET /admin/committees  POST /admin/committees (name, locality, pin), /admin/committees/<id>/delete (admin)
    broadcasts GET /broadcasts, /broadcasts/<id> (live), /broadcasts/<id>/message.wav  POST /broadcasts (supervisor)
    spotting POST /alerts/<id>/examples (verified alerts), /alerts/<id>/hits/<hit_id> (confirmed|rejected)
            GET /examples, /examples/<id>.wav  POST /examples/<id>/remove
    prompts GET /admin/prompts  GET /admin/prompts/<lang>/<id>.wav  POST /admin/prompts/<lang>/<id> (admin)
    help    GET /help/ (the verifiers' guide in the console language; each page links to its section),
            /help/images/<name>

Ids in paths are ASCII digits within SQLite's 64-bit range (the `id` converter);
every query and form value passes web.inputs, so bad input is a 4xx, never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from flask import Flask

from core import secrets
from core.config import Config
from core.playback_cache import PlaybackCache
from core.store import Store

from . import (admin, alerts, audio, auth, broadcasts, claims, committees, complaints, compress, context, csv_upload,
               directory, duty, exports, gazetteer, help, incidents, inputs, live, prompts, queue, responses, security,
               sharing, spotting, surveys, templating, waveform)
from .i18n import init_i18n


def create_app(config_or_mapping: Config | Mapping) -> Flask:
    if isinstance(config_or_mapping, Config):
        config, overrides = config_or_mapping, {}
    else:
        overrides = dict(config_or_mapping)
        config = overrides.pop("SAUTI_CONFIG")
    app = Flask(__name__)
    web = config.web
    app.config.from_mapping(
        SECRET_KEY=secrets.console_key(config),
        SAUTI_CONFIG=config,
        SESSION_COOKIE_NAME="sauti_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=web.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=web.session_minutes),
        SESSION_SECONDS=web.session_minutes * 60,
        CLAIM_MINUTES=web.claim_minutes,
        # Failed logins per (address, account): free ones, then a wait doubling from 30 s to 15 min.
        LOGIN_FREE_FAILURES=5,
        LOGIN_BACKOFF_SECONDS=30,
        LOGIN_BACKOFF_MAX_SECONDS=15 * 60,
        QUEUE_PAGE_SIZE=50,
        POLL_SECONDS=15,
        MAX_CONTENT_LENGTH=256 * 1024,
        SEND_FILE_MAX_AGE_DEFAULT=365 * 24 * 3600,  # static files: URLs carry a content hash
        AUDIO_CACHE=PlaybackCache(config.audio_cache_dir, config.web.audio_cache_mb * 1024 * 1024),
    )
    app.config.from_mapping(overrides)
    if web.behind_proxy:
        # One hop: the proxy's own headers, never ones a client sent through it.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    with Store.open(config.db_path):
        pass  # creates and migrates the database once, before the first request

    audio.import_pydub()  # before request threads start
    app.teardown_appcontext(context.close_store)
    app.url_map.converters["id"] = inputs.IdConverter
    # In this order: the upload's own size limit before anything reads the form; the
    # input check after the user is known, so a refused form can be shown again.
    app.before_request(prompts.allow_large_upload)
    app.before_request(csv_upload.allow_csv_upload)
    security.init_security(app)
    app.before_request(inputs.check_request)
    compress.init_compression(app)
    init_i18n(app)
    templating.init_templating(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(queue.bp)
    app.register_blueprint(alerts.bp)
    app.register_blueprint(claims.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(prompts.bp)
    app.register_blueprint(live.bp)
    app.register_blueprint(gazetteer.bp)
    app.register_blueprint(directory.bp)
    app.register_blueprint(responses.bp)
    app.register_blueprint(broadcasts.bp)
    app.register_blueprint(incidents.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(sharing.bp)
    app.register_blueprint(complaints.bp)
    app.register_blueprint(committees.bp)
    app.register_blueprint(surveys.bp)
    app.register_blueprint(spotting.bp)
    app.register_blueprint(duty.bp)
    app.register_blueprint(help.bp)
    app.context_processor(lambda: {"help_url": help.help_url})
    app.register_blueprint(waveform.bp)
    return app
