"""Settings shared by every deployment, read from the environment with safe embedded defaults.

Environment variables:
    DATABASE_URL     e.g. ``postgres://user:pass@127.0.0.1:5432/minzheng``; default: SQLite in ``var/``.
    MINZHENG_LAKE    folder of the data lake (Parquet per source per period); default ``var/lake``.
    MINZHENG_VAR     folder for the embedded database, exports and snapshots; default ``./var``.
    SECRET_KEY       required in production; a development key is generated into ``var/`` otherwise.
    ALLOWED_HOSTS    comma-separated; default ``127.0.0.1,localhost``.
    DEBUG            ``1`` to enable; default off.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MINZHENG_VAR", Path.cwd() / "var")).resolve()
LAKE_DIR = Path(os.environ.get("MINZHENG_LAKE", VAR_DIR / "lake")).resolve()
NODE_MODULES_DIR = Path(os.environ.get("MINZHENG_NODE_MODULES", Path.cwd() / "node_modules")).resolve()


def _secret_key() -> str:
    """Use SECRET_KEY when given; otherwise keep one random development key in var/ (never committed)."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("DEBUG", "") == "1"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "minzheng.common",
    "minzheng.accounts",
    "minzheng.audit",
    "minzheng.registry",
    "minzheng.synth",
    "minzheng.assistance",
    "minzheng.assistance.cases",
    "minzheng.verification",
    "minzheng.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves the collected static files (our CSS, the npm libraries) from the app server itself: the
    # intranet deployment needs no CDN and no separate web server for them.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "minzheng.web.middleware.ChineseErrorMiddleware",
]

ROOT_URLCONF = "minzheng.web.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "minzheng.web.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'minzheng.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a long import or synth load writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-262144;",
        # Take the write lock when a transaction starts, so that two writers never both read the audit
        # chain head before either appends (SQLite has no SELECT … FOR UPDATE).
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns at start-up when it is missing
# Front-end libraries installed from npm at set-up (never committed): only their dist folders are served.
_VENDOR = {"echarts": "echarts/dist", "htmx": "htmx.org/dist"}
STATICFILES_DIRS = [
    (f"vendor/{name}", NODE_MODULES_DIR / folder)
    for name, folder in _VENDOR.items()
    if (NODE_MODULES_DIR / folder).is_dir()
]

# Case attachments (photos of homes, signed forms): stored here and served only through the access-checked
# view `web:case_attachment`, never as public media.
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "minzheng.common.masking.MaskPersonalDataFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_personal_data"]},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
}

MINZHENG = {
    # The city the deployment serves (GB/T 2260). Every jurisdiction lies under it.
    "CITY_CODE": os.environ.get("MINZHENG_CITY_CODE", "530600"),
}
