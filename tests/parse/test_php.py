"""PHP's own records: error_log, Apache, php-fpm, nginx; Monolog's default format."""

from __future__ import annotations

from datetime import timedelta

from logdoctor.model import Dialect, Frame, Level
from tests.conftest import entries, one


def test_native_uncaught_error_with_stack_trace() -> None:
    text = (
        "[15-Jul-2020 11:18:27 Europe/Paris] PHP Fatal error:  Uncaught Error: Call to undefined "
        "method Plugin::getPhpDir() in /plugins/fields/setup.php:37\n"
        "Stack trace:\n"
        "#0 /inc/plugin.class.php(316): include_once()\n"
        "#1 [internal function]: Plugin->{closure}()\n"
        "#2 {main}\n"
        "  thrown in /plugins/fields/setup.php on line 37\n"
    )
    e = one(text)
    assert (e.dialect, e.kind, e.level) == (Dialect.PHP, "PHP Fatal error", Level.CRITICAL)
    assert (e.exception, e.message) == ("Error", "Call to undefined method Plugin::getPhpDir()")
    assert e.origin == Frame("/plugins/fields/setup.php", 37, "")
    assert e.frames == (
        Frame("/inc/plugin.class.php", 316, "include_once()"),
        Frame("", None, "Plugin->{closure}()"),
    )
    assert e.timestamp is not None and e.timestamp.utcoffset() == timedelta(hours=2)


def test_native_single_lines_and_xdebug_rows_continue_the_error() -> None:
    text = (
        '[18-Jan-2024 16:20:04 UTC] PHP Warning:  Undefined array key "id" in '
        "/var/www/glpi/src/Search.php on line 6810\n"
        "[18-Jan-2024 16:20:05 UTC] PHP Deprecated:  strlen(): Passing null in /x.php on line 3\n"
        "[18-Jan-2024 16:20:05 UTC] PHP Stack trace:\n"
        "[18-Jan-2024 16:20:05 UTC] PHP   1. {main}() /x.php:0\n"
        "[18-Jan-2024 16:20:06 UTC] PHP Fatal error:  Allowed memory size of 134217728 bytes "
        "exhausted (tried to allocate 20480 bytes) in /var/www/glpi/src/Html.php on line 12\n"
    )
    warn, dep, fatal = entries(text)
    assert (warn.level, warn.message) == (Level.WARNING, 'Undefined array key "id"')
    assert warn.origin == Frame("/var/www/glpi/src/Search.php", 6810, "")
    assert (dep.level, dep.end_line) == (Level.NOTICE, 4)
    assert fatal.message.startswith("Allowed memory size of 134217728 bytes exhausted")
    assert warn.timestamp is not None and warn.timestamp.utcoffset() == timedelta(0)


def test_php5_uncaught_exception_wording() -> None:
    e = one(
        "[01-Feb-2016 10:00:00 UTC] PHP Fatal error:  Uncaught exception 'Exception' with "
        "message 'boom' in /var/www/x.php:5\nStack trace:\n#0 {main}\n"
        "  thrown in /var/www/x.php on line 5\n"
    )
    assert (e.exception, e.message, e.origin) == (
        "Exception",
        "boom",
        Frame("/var/www/x.php", 5, ""),
    )


def test_apache_prefixed_with_literal_newlines_and_proxy_fcgi() -> None:
    text = (
        "[Sat Jun 04 13:54:24.686853 2022] [php:error] [pid 6030] [client 192.0.2.7:54152] "
        "PHP Fatal error:  Uncaught Error: boom in /var/www/html/index.php:37\\nStack trace:\\n"
        "#0 /var/www/html/a.php(3): f()\\n#1 {main}\\n  thrown in /var/www/html/index.php on "
        "line 37, referer: http://glpi.example.org/\n"
        "[Mon May 11 17:16:18.502033 2026] [proxy_fcgi:error] [pid 16:tid 16] "
        "[client 192.0.2.6:63594] AH01071: Got error 'PHP message: PHP Warning:  Undefined "
        'array key "x" in /var/www/html/a.php on line 558\', referer: http://192.0.2.150/\n'
        "[Mon May 11 17:16:19.000000 2026] [core:notice] [pid 1] AH00094: Command line: "
        "'apache2 -D FOREGROUND'\n"
    )
    fatal, fcgi, notice = entries(text)
    assert (fatal.exception, fatal.message) == ("Error", "boom")
    assert fatal.frames == (Frame("/var/www/html/a.php", 3, "f()"),)
    assert fatal.origin == Frame("/var/www/html/index.php", 37, "")
    assert (fcgi.kind, fcgi.level, fcgi.message) == (
        "PHP Warning",
        Level.WARNING,
        'Undefined array key "x"',
    )
    assert (notice.kind, notice.level, notice.channel) == ("apache", Level.NOTICE, "core")
    assert notice.message.startswith("AH00094: Command line:")


def test_php_fpm_wrapped_stack_trace_is_one_entry() -> None:
    text = (
        "[18-Jan-2024 16:20:04] NOTICE: fpm is running, pid 1\n"
        '[12-Jul-2022 10:06:34] WARNING: [pool www] child 8 said into stderr: "NOTICE: PHP '
        "message: PHP Fatal error:  Uncaught TypeError: f(): Argument #1 must be of type int "
        'in /var/www/html/fatal_error.php:2"\n'
        '[12-Jul-2022 10:06:34] WARNING: [pool www] child 8 said into stderr: "Stack trace:"\n'
        '[12-Jul-2022 10:06:34] WARNING: [pool www] child 8 said into stderr: "#0 '
        '/var/www/html/fatal_error.php(3): my_function()"\n'
        '[12-Jul-2022 10:06:34] WARNING: [pool www] child 8 said into stderr: "#1 {main}"\n'
        '[12-Jul-2022 10:06:34] WARNING: [pool www] child 8 said into stderr: "  thrown in '
        '/var/www/html/fatal_error.php on line 2"\n'
        "[12-Jul-2022 10:06:40] WARNING: [pool www] server reached pm.max_children setting (5), "
        "consider raising it\n"
    )
    running, fatal, children = entries(text)
    assert (running.kind, running.level) == ("php-fpm", Level.NOTICE)
    assert (fatal.line, fatal.end_line) == (2, 6)
    assert (fatal.exception, fatal.level) == ("TypeError", Level.CRITICAL)
    assert fatal.message == "f(): Argument #1 must be of type int"
    assert fatal.frames == (Frame("/var/www/html/fatal_error.php", 3, "my_function()"),)
    assert fatal.origin == Frame("/var/www/html/fatal_error.php", 2, "")
    assert children.message.startswith("[pool www] server reached pm.max_children")


def test_nginx_fastcgi_messages() -> None:
    text = (
        '2024/05/31 16:03:57 [error] 13#13: *4 FastCGI sent in stderr: "PHP message: PHP '
        "Warning:  Undefined variable $a in /var/www/html/x.php on line 368; PHP message: PHP "
        'Warning:  Undefined variable $b in /var/www/html/x.php on line 369" while reading '
        "response header from upstream, client: 192.0.2.1, server: localhost, request: "
        '"POST /x.php HTTP/1.1", upstream: "fastcgi://unix:/run/php-fpm.sock:", host: "x"\n'
        "2024/05/31 16:04:00 [error] 13#13: *5 upstream timed out (110: Connection timed out) "
        "while reading response header from upstream\n"
    )
    php, timeout = entries(text)
    assert (php.kind, php.level) == ("PHP Warning", Level.WARNING)
    assert php.message.split("\n")[0] == "Undefined variable $a"
    assert "Undefined variable $b" in php.message
    assert php.origin == Frame("/var/www/html/x.php", 368, "")
    assert (timeout.kind, timeout.level) == ("nginx", Level.ERROR)


def test_monolog_message_with_brackets_before_an_empty_context() -> None:
    # `[Errno 111]`, `NO [AUTHENTICATIONFAILED]`: brackets inside the message are not the
    # context when the line ends in Monolog's empty `[] []`.
    text = (
        "[2026-11-28T14:03:19.123456+00:00] probe.ERROR: imap tcp: cannot connect to "
        "127.0.0.1:993: [Errno 111] Connection refused [] []\n"
        '[2026-11-28T14:03:20.000000+00:00] app.INFO: NO [ALERT] x {"a":1} []\n'
    )
    tcp, alert = entries(text)
    assert (tcp.channel, tcp.message) == (
        "probe",
        "imap tcp: cannot connect to 127.0.0.1:993: [Errno 111] Connection refused",
    )
    assert alert.message == "NO [ALERT] x"


def test_monolog_default_with_exception_context_and_stacktrace() -> None:
    text = (
        '[2024-01-18T16:20:04.123456+00:00] app.ERROR: Connection refused {"exception":'
        '"[object] (RuntimeException(code: 0): Connection refused at /srv/app/src/Imap.php:42)\n'
        '[stacktrace]\n#0 /srv/app/src/Mail.php(10): Imap->open()\n#1 {main}\n"} []\n'
        "[2024-01-18 16:20:05] app.INFO: Started [] []\n"
    )
    err, info = entries(text)
    assert (err.dialect, err.channel, err.level) == (Dialect.MONOLOG, "app", Level.ERROR)
    assert (err.exception, err.message) == ("RuntimeException", "Connection refused")
    assert err.origin == Frame("/srv/app/src/Imap.php", 42, "")
    assert err.frames == (Frame("/srv/app/src/Mail.php", 10, "Imap->open()"),)
    assert err.timestamp is not None and err.timestamp.microsecond == 123456
    assert (info.message, info.level) == ("Started", Level.INFO)


def test_container_prefixes_are_stripped_but_kept_in_raw() -> None:
    text = (
        "glpi-1  | [2026-09-03 09:06:56] glpi.ERROR:   *** Caught RuntimeException: boom\n"
        "glpi-1  |   Backtrace :\n"
        "glpi-1  |   ./src/Toolbox.php:2054                             f()\n"
        "glpi-1  | \n"
        "db-1    | 2026-09-03  9:07:00 0 [Note] InnoDB: Buffer pool(s) load completed\n"
        "glpi-1  | [2026-09-03 09:07:01] glpi.WARNING:   *** Test logger\n"
    )
    caught, db_line, noise = entries(text)
    assert (caught.exception, caught.message, caught.end_line) == ("RuntimeException", "boom", 4)
    assert caught.frames == (Frame("./src/Toolbox.php", 2054, "f()"),)
    assert (db_line.dialect, db_line.line) == (Dialect.UNKNOWN, 5)  # another container's line
    assert noise.message == "Test logger"


def test_xdebug_stack_records_become_frames() -> None:
    e = one(
        "[19-Jan-2024 09:12:44 Europe/Paris] PHP Warning:  Undefined variable $entity in "
        "/var/www/glpi/plugins/oldreports/front/report.php on line 88\n"
        "[19-Jan-2024 09:12:44 Europe/Paris] PHP Stack trace:\n"
        "[19-Jan-2024 09:12:44 Europe/Paris] PHP   1. {main}() /var/www/r.php:0\n"
        "[19-Jan-2024 09:12:44 Europe/Paris] PHP   2. Report->render($format = 'csv') "
        "/var/www/r.php:61\n"
    )
    assert e.message == "Undefined variable $entity"
    assert e.frames == (
        Frame("/var/www/r.php", 61, "Report->render($format = 'csv')"),
        Frame("/var/www/r.php", 0, "{main}()"),
    )
