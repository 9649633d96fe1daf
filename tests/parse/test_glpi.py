"""GLPI dialects: fields read from entries in each version's exact format."""

from __future__ import annotations

from logdoctor.model import Dialect, Frame, Level
from tests.conftest import entries, one

ROW = "  {:<50} {}".format  # a GLPI backtrace row, script column padded to 50


def test_glpi10_uncaught_exception_with_backtrace() -> None:
    text = (
        "[2023-01-13 12:37:20] glpiphplog.CRITICAL:   *** Uncaught Exception "
        "Laminas\\Mail\\Storage\\Exception\\RuntimeException: cannot login, user or password "
        "wrong in /var/www/glpi/marketplace/oauthimap/inc/imap/imapoauthstorage.class.php "
        "at line 76\n"
        "  Backtrace :\n"
        + ROW(
            "...authimap/inc/mailcollectorfeature.class.php:101",
            "GlpiPlugin\\Oauthimap\\Imap\\ImapOauthStorage->__construct()",
        )
        + "\n"
        + ROW("src/MailCollector.php:1375", "Toolbox::getMailServerStorageInstance()")
        + "\n"
        + ROW("front/cron.php:62", "CronTask::launch()")
        + "\n"
        + ROW(":", "")
        + "\n"
        "  \n"
    )
    e = one(text)
    assert (e.dialect, e.level, e.channel) == (Dialect.GLPI_MONOLOG, Level.CRITICAL, "glpiphplog")
    assert e.kind == "Uncaught Exception"
    assert e.exception == "Laminas\\Mail\\Storage\\Exception\\RuntimeException"
    assert e.message == "cannot login, user or password wrong"
    assert e.origin == Frame(
        "/var/www/glpi/marketplace/oauthimap/inc/imap/imapoauthstorage.class.php", 76, ""
    )
    assert e.frames == (
        Frame(
            "...authimap/inc/mailcollectorfeature.class.php",
            101,
            "GlpiPlugin\\Oauthimap\\Imap\\ImapOauthStorage->__construct()",
        ),
        Frame("src/MailCollector.php", 1375, "Toolbox::getMailServerStorageInstance()"),
        Frame("front/cron.php", 62, "CronTask::launch()"),
        Frame("", None, ""),
    )
    assert (e.line, e.end_line) == (1, 7)
    assert e.timestamp_text == "2023-01-13 12:37:20"
    assert e.timestamp is not None and e.timestamp.tzinfo is None  # GLPI writes local time
    assert e.body.version == "10.0"


def test_glpi10_php_warning_whose_message_spans_two_lines() -> None:
    text = (
        "[2020-08-13 15:55:49] glpiphplog.WARNING:   *** PHP Warning (2): "
        "stream_socket_enable_crypto(): SSL operation failed with code 1. OpenSSL Error messages:\n"
        "error:1416F086:SSL routines:tls_process_server_certificate:certificate verify failed "
        "in /var/www/html/glpi/vendor/laminas/laminas-mail/src/Protocol/Imap.php at line 106\n"
        "  Backtrace :\n"
        + ROW(".../laminas/laminas-mail/src/Protocol/Imap.php:106", "stream_socket_enable_crypto()")
        + "\n"
        "  \n"
    )
    e = one(text)
    assert (e.kind, e.level) == ("PHP Warning (2)", Level.WARNING)
    assert e.message.endswith(
        "\nerror:1416F086:SSL routines:tls_process_server_certificate:certificate verify failed"
    )
    assert e.origin == Frame(
        "/var/www/html/glpi/vendor/laminas/laminas-mail/src/Protocol/Imap.php", 106, ""
    )
    assert e.frames[0].call == "stream_socket_enable_crypto()"


def test_glpi10_fatal_without_trace_and_twig_error() -> None:
    text = (
        "[2023-02-14 15:07:06] glpiphplog.CRITICAL:   *** PHP Error (1): Maximum execution time "
        "of 30 seconds exceeded in /var/www/html/glpi/src/Entity.php at line 3243  \n"
        "[2024-01-18 16:20:04] glpiphplog.CRITICAL:   *** Twig Error (Twig\\Error\\RuntimeError): "
        '"Variable "item" does not exist." in template "pages/setup/form.html.twig" at line 42\n'
        "  Backtrace :\n"
        + ROW("src/Application/View/TemplateRenderer.php:160", "Twig\\Environment->render()")
        + "\n"
        "  \n"
    )
    fatal, twig = entries(text)
    assert fatal.message == "Maximum execution time of 30 seconds exceeded"
    assert fatal.origin == Frame("/var/www/html/glpi/src/Entity.php", 3243, "")
    assert fatal.frames == ()
    assert (twig.kind, twig.exception) == ("Twig Error", "Twig\\Error\\RuntimeError")
    assert twig.message == 'Variable "item" does not exist.'
    assert twig.origin == Frame("pages/setup/form.html.twig", 42, "")


def test_glpi95_mail_collector_toolbox_log_with_php_trace_and_context() -> None:
    text = (
        "[2020-08-04 17:21:35] glpiphplog.ERROR: MailCollector::collect() in "
        "/var/www/html/inc/mailcollector.class.php line 691\n"
        "An error occured trying to connect to collector. cannot read - connection closed?\n"
        " #0 /var/www/html/vendor/laminas/laminas-mail/src/Protocol/Imap.php(150): "
        "Laminas\\Mail\\Protocol\\Imap->nextLine()\n"
        "#1 /var/www/html/inc/mailcollector.class.php(691): MailCollector->connect()\n"
        '#2 {main}  {"user":"@glpi"} \n'
    )
    e = one(text)
    assert e.kind == "Toolbox::log"
    assert e.message == (
        "An error occured trying to connect to collector. cannot read - connection closed?"
    )
    assert e.origin == Frame(
        "/var/www/html/inc/mailcollector.class.php", 691, "MailCollector::collect()"
    )
    assert [f.call for f in e.frames] == [
        "Laminas\\Mail\\Protocol\\Imap->nextLine()",
        "MailCollector->connect()",
    ]
    assert (e.user, e.host, e.body.version) == ("", "glpi", "9.5")


def test_glpi93_user_error_handler_preamble() -> None:
    text = (
        "[2018-10-30 09:01:08] glpiphplog.ERROR: Toolbox::userErrorHandlerNormal() in "
        "/var/www/html/glpi/inc/toolbox.class.php line 657\n"
        "  *** PHP Warning(2): ldap_bind(): Unable to bind to server: Can't contact LDAP server\n"
        "  Backtrace :\n"
        + ROW(":", "")
        + "\n"
        + ROW("inc/authldap.class.php:2527", "ldap_bind()")
        + "\n"
        '  {"":"@","mem_usage":"127.221\\", 6.10Mio)"} \n'
    )
    e = one(text)
    assert e.kind == "PHP Warning(2)"
    assert e.message == "ldap_bind(): Unable to bind to server: Can't contact LDAP server"
    assert e.frames[1] == Frame("inc/authldap.class.php", 2527, "ldap_bind()")
    assert e.body.version == "9.3-9.4"
    assert e.level is Level.ERROR  # as the 9.3 logger wrote it


def test_sql_error_block_with_multiline_sql_and_context() -> None:
    text = (
        "[2024-03-06 09:26:25] glpisqllog.ERROR: DBmysql::doQuery() in "
        "/usr/share/glpi/src/DBmysql.php line 403\n"
        "  *** MySQL query error:\n"
        "  SQL: INSERT INTO `glpi_itilfollowups` (`content`) VALUES ('Hello\n"
        "[2024-01-01 10:00:00] not a header: pasted into a ticket\n"
        "2024-01-01 10:00:00\n"
        "bye')\n"
        "  Error: Deadlock found when trying to get lock; try restarting transaction\n"
        "  Backtrace :\n" + ROW("src/DBmysql.php:1503", "DBmysql->doQuery()") + "\n"
        '  {"user":"2@glpi-srv","mem_usage":"0.004\\", 14.20Mio)"} \n'
    )
    es = entries(text)
    assert len(es) == 2  # a bare timestamp line is a logInFile header: GLPI cannot tell either
    e = es[0]
    assert (e.channel, e.kind, e.level) == ("glpisqllog", "MySQL query error", Level.ERROR)
    assert e.sql == (
        "INSERT INTO `glpi_itilfollowups` (`content`) VALUES ('Hello\n"
        "[2024-01-01 10:00:00] not a header: pasted into a ticket"
    )
    assert e.body.version == "10.0"


def test_sql_error_block_keeps_sql_lines_that_are_not_headers() -> None:
    text = (
        "[2019-11-26 17:27:55] glpisqllog.ERROR: DBmysql::query() in "
        "C:\\wamp64\\www\\glpi\\inc\\dbmysql.class.php line 188\n"
        "  *** MySQL query error:\n"
        "  SQL: SELECT *\n  FROM `glpi_displaypreferences`\n  WHERE `users_id` = '0'\n"
        "  Error: MySQL server has gone away\n"
        "  Backtrace :\n"
        + ROW("inc\\dbmysqliterator.class.php:95", "")
        + "\n"
        + ROW("inc\\dbmysql.class.php:580", "DBmysqlIterator->execute()")
        + "\n"
    )
    e = one(text)
    assert e.sql == "SELECT *\n  FROM `glpi_displaypreferences`\n  WHERE `users_id` = '0'"
    assert e.sql_error == "MySQL server has gone away"
    assert e.frames[0] == Frame("inc\\dbmysqliterator.class.php", 95, "")
    assert e.body.version == "9.x"


def test_sql_warnings_block() -> None:
    text = (
        "[2024-01-18 16:20:04] glpisqllog.WARNING: DBmysql::doQuery() in "
        "/var/www/glpi/src/DBmysql.php line 421\n"
        "  *** MySQL query warnings:\n"
        "  SQL: INSERT INTO `glpi_logs` (`items_id`) VALUES ('1')\n"
        "  Warnings: \n"
        "1265: Data truncated for column 'old_value' at row 1\n"
        "  Backtrace :\n" + ROW("src/DBmysql.php:1390", "DBmysql->doQuery()") + "\n"
        '  {"user":"2@glpi-srv"} \n'
    )
    e = one(text)
    assert (e.kind, e.level) == ("MySQL query warnings", Level.WARNING)
    assert e.sql_error == "1265: Data truncated for column 'old_value' at row 1"
    assert (e.user, e.host) == ("2", "glpi-srv")


def test_php_rows_under_a_glpi_backtrace_marker_are_read_as_php_rows() -> None:
    text = (
        "[2024-01-02 10:00:00] glpiphplog.WARNING:   *** PHP Warning (2): boom in "
        "/var/www/glpi/inc/a.php at line 3\n"
        "  Backtrace :\n"
        "#0 /var/www/glpi/inc/toolbox.class.php(12): Toolbox::log()\n"
        "#1 [internal function]: MailCollector->collect()\n"
        "#2 {main}\n"
    )
    e = one(text)
    assert e.frames == (
        Frame("/var/www/glpi/inc/toolbox.class.php", 12, "Toolbox::log()"),
        Frame("", None, "MailCollector->collect()"),
    )


def test_glpi11_caught_exception_throw_site_and_blank_terminator() -> None:
    text = (
        "[2026-09-03 09:06:56] glpi.ERROR:   *** Caught "
        "Laminas\\Mail\\Storage\\Exception\\RuntimeException: "
        "cannot login, user or password wrong\n"
        "  Backtrace :\n"
        + ROW("...r/laminas/laminas-mail/src/Storage/Imap.php:243", "")
        + "\n"
        + ROW("./src/Toolbox.php:2054", "Laminas\\Mail\\Storage\\Imap->__construct()")
        + "\n"
        + ROW("./src/MailCollector.php:1332", "Toolbox::getMailServerStorageInstance()")
        + "\n"
        "\n"
        "[2026-09-03 09:07:00] glpi.WARNING:   *** Test logger\n"
    )
    e, noise = entries(text)
    assert (e.dialect, e.level, e.kind) == (Dialect.GLPI11, Level.ERROR, "Caught")
    assert e.exception == "Laminas\\Mail\\Storage\\Exception\\RuntimeException"
    assert e.message == "cannot login, user or password wrong"
    assert e.origin == Frame("...r/laminas/laminas-mail/src/Storage/Imap.php", 243, "")
    assert len(e.frames) == 3 and e.frames[1].file == "./src/Toolbox.php"
    assert (e.line, e.end_line) == (1, 6)
    assert e.body.version == "11"
    assert (noise.message, noise.level, noise.line) == ("Test logger", Level.WARNING, 7)


def test_glpi11_uncaught_php_exception_message_spanning_lines_and_previous_chain() -> None:
    text = (
        "[2025-10-24 11:22:57] glpi.CRITICAL:   *** Uncaught PHP Exception "
        'League\\OAuth2\\Client\\Provider\\Exception\\IdentityProviderException: "invalid_grant\n'
        "AADSTS70008: The provided authorization code or refresh token has expired due to "
        'inactivity." at Azure.php line 492\n'
        "  Backtrace :\n" + ROW("...networg/oauth2-azure/src/Provider/Azure.php:492", "") + "\n"
        "  Previous: stream_socket_client(): SSL operation failed with code 1\n"
        + ROW("./src/Toolbox.php:10", "f()")
        + "\n"
        "\n"
    )
    e = one(text)
    assert e.kind == "Uncaught PHP Exception"
    assert e.exception == "League\\OAuth2\\Client\\Provider\\Exception\\IdentityProviderException"
    assert e.message.startswith("invalid_grant\nAADSTS70008: ")
    assert e.origin == Frame("Azure.php", 492, "")
    assert e.body.previous == ("stream_socket_client(): SSL operation failed with code 1",)


def test_glpi11_php_warning_and_sql_error() -> None:
    text = (
        "[2025-11-14 13:09:29] glpi.WARNING:   *** User Warning: Unable to bind to LDAP server\n"
        "error: Invalid credentials (49) at AuthLDAP.php line 3019\n"
        "  Backtrace :\n" + ROW(".\\src\\AuthLDAP.php:3019", "") + "\n"
        "\n"
        "[2025-10-18 12:53:50] glpi.ERROR:   *** Caught RuntimeException: MySQL query error: "
        "Incorrect string value: '\\xE8ces j...' for column `content` at row 1 (1366) in SQL "
        "query \"INSERT INTO `glpi_tickets` (`content`) VALUES ('x')\".\n"
    )
    warn, sql = entries(text)
    assert (warn.kind, warn.level) == ("User Warning", Level.WARNING)
    assert warn.message == "Unable to bind to LDAP server\nerror: Invalid credentials (49)"
    assert warn.origin == Frame("AuthLDAP.php", 3019, "")
    assert (sql.kind, sql.exception) == ("Caught", "RuntimeException")
    assert sql.sql == "INSERT INTO `glpi_tickets` (`content`) VALUES ('x')"
    assert (
        sql.sql_error
        == "Incorrect string value: '\\xE8ces j...' for column `content` at row 1 (1366)"
    )


def test_glpi11_access_errors() -> None:
    text = (
        "[2025-11-02 10:00:01] User ID: `12` tried to access or perform an action on "
        "`/front/profile.form.php?id=4` with insufficient rights.\n"
        "  Additional information: Missing UPDATE right\n"
        "  Backtrace :\n"
        + ROW("./src/Session.php:1062", "")
        + "\n"
        + ROW("./front/profile.form.php:45", "Session::checkRight()")
        + "\n"
    )
    e = one(text)
    assert (e.dialect, e.kind, e.level) == (Dialect.GLPI11_ACCESS, "Access denied", Level.WARNING)
    assert e.message.endswith("Additional information: Missing UPDATE right")
    assert e.user == "12"
    assert e.frames[1] == Frame("./front/profile.form.php", 45, "Session::checkRight()")


def test_loginfile_cron_and_glued_headers() -> None:
    text = (
        "2024-01-18 16:20:01 [@glpi-srv]\n"
        "External #1: Launch mailgate\n"
        "2023-04-27 09:43:53 [47@glpi-srv]\n"
        "CSRF check failed for User ID: 47 at /ajax/genericdate.php"
        "2023-04-27 07:33:08 [134@glpi-srv]\n"
        "User ID: 134 tried to access or perform an action on /front/ticket.form.php?id=6825& "
        "with insufficient rights. Additional information: Missing READ right.\n"
        "\tStack Trace:\n"
        "\t\t/home/web/glpi/src/CommonDBTM.php:6354 displayRightError()\n"
    )
    cron, csrf, access = entries(text)
    assert (cron.dialect, cron.message, cron.level) == (
        Dialect.GLPI_FILE,
        "External #1: Launch mailgate",
        Level.INFO,
    )
    assert (cron.user, cron.host) == ("", "glpi-srv")
    assert csrf.message == "CSRF check failed for User ID: 47 at /ajax/genericdate.php"
    assert csrf.raw.endswith("genericdate.php")  # the glued header starts the next entry
    assert (csrf.kind, csrf.end_line) == ("CSRF check failed", 4)
    assert (access.line, access.timestamp_text, access.user) == (
        4,
        "2023-04-27 07:33:08",
        "134",
    )
    assert access.kind == "Access denied"
    assert access.frames == (
        Frame("/home/web/glpi/src/CommonDBTM.php", 6354, "displayRightError()"),
    )


def test_glued_monolog_header_and_pre_92_star_block() -> None:
    text = (
        "2018-02-26 11:56:55 [28@inventory]\n"
        "  *** PHP Notice(8): Undefined index: Helpdesk\n"
        "  Backtrace :\n" + ROW("inc/html.class.php:12", "Html::header()") + "\n"
        "Undefined function Ticket::cronX (for cron)[2018-02-26 11:57:00] glpiphplog.WARNING: "
        "Test logger  \n"
    )
    notice, glued = entries(text)
    assert (notice.kind, notice.level, notice.body.version) == (
        "PHP Notice(8)",
        Level.NOTICE,
        "<=9.2",
    )
    assert notice.message == "Undefined index: Helpdesk"
    assert notice.raw.endswith("(for cron)")
    assert (glued.dialect, glued.message, glued.line) == (Dialect.GLPI_MONOLOG, "Test logger", 5)


def test_glpi084_bare_timestamp_and_tab_rows() -> None:
    text = (
        "2013-10-16 11:45:16\n"
        "Notice(8): Undefined variable: x\n"
        "Backtrace :\n"
        "C:\\xampp\\glpi\\inc\\reminder.class.php:1040\t\tToolbox::userErrorHandlerNormal()\n"
        "\n"
    )
    e = one(text)
    assert (e.kind, e.message) == ("Notice(8)", "Undefined variable: x")
    assert e.frames == (
        Frame(
            "C:\\xampp\\glpi\\inc\\reminder.class.php", 1040, "Toolbox::userErrorHandlerNormal()"
        ),
    )


def test_toolbox_log_preamble_without_class_or_function() -> None:
    text = (
        "[2021-03-02 11:20:19] glpiphplog.ERROR: /var/www/html/glpi/front/locale.php line 86\n"
        'Unable to extract locales data from "/x/pt_BR.po".  {"user":"12@glpi-srv"} \n'
        "[2024-01-15 10:40:09] glpiphplog.ERROR: require() in /var/www/glpi/front/locale.php "
        "line 71\n"
        'Unable to extract locales data from "/x/pt_PT.po".  {"user":"12@glpi-srv"} \n'
    )
    bare, func = entries(text)
    assert (bare.kind, bare.message) == (
        "Toolbox::log",
        'Unable to extract locales data from "/x/pt_BR.po".',
    )
    assert bare.origin == Frame("/var/www/html/glpi/front/locale.php", 86, "")
    assert func.origin == Frame("/var/www/glpi/front/locale.php", 71, "require()")
    assert (func.user, func.host) == ("12", "glpi-srv")
