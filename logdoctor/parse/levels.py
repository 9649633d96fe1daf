"""Map every dialect's level words onto `Level`.

Monolog names (GLPI, Monolog), PHP error types ("Fatal error", "PHP Warning (2)",
GLPI 11's "User Deprecated"), Apache's and nginx's lower-case words, php-fpm's.
"""

from __future__ import annotations

from logdoctor.model import Level

_WORDS: dict[str, Level] = {
    "debug": Level.DEBUG,
    "info": Level.INFO,
    "notice": Level.NOTICE,
    "warning": Level.WARNING,
    "warn": Level.WARNING,
    "error": Level.ERROR,
    "err": Level.ERROR,
    "critical": Level.CRITICAL,
    "crit": Level.CRITICAL,
    "alert": Level.ALERT,
    "emergency": Level.EMERGENCY,
    "emerg": Level.EMERGENCY,
}

# PHP error types by severity (php-src main.c names, GLPI ErrorHandler and
# Symfony names). Checked in order: the first word found decides.
_PHP_TYPES: tuple[tuple[str, Level], ...] = (
    ("parse", Level.CRITICAL),
    ("compile error", Level.CRITICAL),
    ("core error", Level.CRITICAL),
    ("recoverable", Level.ERROR),
    ("catchable", Level.ERROR),
    ("fatal", Level.CRITICAL),
    ("user error", Level.ERROR),
    ("error", Level.ERROR),
    ("warning", Level.WARNING),
    ("deprecated", Level.NOTICE),
    ("notice", Level.NOTICE),
    ("strict", Level.NOTICE),
)


def level_of(word: str) -> Level:
    """A level word as written ("WARNING", "warn", "crit") -> Level."""
    lvl = _WORDS.get(word.lower())
    if lvl is None and word.lower().startswith("trace"):  # Apache trace1..trace8
        return Level.DEBUG
    return lvl if lvl is not None else Level.UNKNOWN


def level_of_php_type(kind: str) -> Level:
    """A PHP error type ("Fatal error", "PHP User Warning (512)", "Deprecated") -> Level."""
    low = kind.lower()
    for word, lvl in _PHP_TYPES:
        if word in low:
            return lvl
    return Level.UNKNOWN
