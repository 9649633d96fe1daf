"""Write a seeded, realistic mixed GLPI / PHP log corpus for the benchmark.

Usage: python bench/gen_corpus.py OUT [SIZE_BYTES] [SEED]      (defaults: 200e6, 42)

Writes OUT (whole entries, stops at the first entry that reaches SIZE_BYTES), plus

* OUT.truth.json  what was written: bytes, lines, entries by shape, by dialect, by known
                  problem, distinct entry bodies (text after the timestamp);
* OUT.index       where each entry starts, for diagnosing a parser that miscounts:
                  b"LDIX1\\n", u64 count, count x u32 first line (1-based), count x u8 shape
                  code (index in SHAPES; bit 7 set for a known problem), little-endian.

Every entry starts with exactly one header line, and no continuation line is a
header of any GLPI / PHP shape, so a correct parser finds exactly `entries` records.
Formats follow /work/shared/knowledge/glpi-log-formats.md (GLPI 10 ErrorHandler and
Toolbox::log records, GLPI 10 sql-errors, GLPI 11 ErrorLogHandler, native PHP
error_log, Toolbox::logInFile). Messages come from ~1,500 signatures picked with
Zipf-like weights; slots (ids, counts, hosts, users) make ~15 % of the entries
distinct once the timestamp is removed. Output is identical for identical
(SIZE_BYTES, SEED, GENERATOR_VERSION).
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import time
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

GENERATOR_VERSION = 1
DEFAULT_SIZE = 200_000_000
DEFAULT_SEED = 42
CHUNK_CHARS = 4 << 20  # characters buffered before one write
INDEX_MAGIC = b"LDIX1\n"
KNOWN_BIT = 0x80

ROOT = "/var/www/html/glpi"
HOST = "glpi-srv"
START_EPOCH = 1704261600  # 2024-01-03 06:00:00 (written as local time, no zone)
P_FRESH = 0.48  # chance that a slotted signature gets brand-new slot values

# (shape, share of entries in %, dialect logdoctor should report, timestamp prefix kind)
SHAPES: tuple[tuple[str, float, str, str], ...] = (
    ("glpi10_php_error", 45.0, "glpi-monolog", "ymd"),
    ("glpi10_exception", 12.0, "glpi-monolog", "ymd"),
    ("glpi10_toolbox_log", 8.0, "glpi-monolog", "ymd"),
    ("glpi11", 8.0, "glpi11", "ymd"),
    ("glpi10_sql_error", 5.0, "glpi-monolog", "ymd"),
    ("php_native_line", 12.0, "php", "php"),
    ("php_native_fatal", 5.0, "php", "php"),
    ("glpi_loginfile", 5.0, "glpi-file", "file"),
)
KNOWN_SHARE = 1.5
SHAPE_CODE = {name: i for i, (name, *_rest) in enumerate(SHAPES)}
# Signatures per shape (~1,500 with the known problems).
SIGNATURES = {
    "glpi10_php_error": 640,
    "glpi10_exception": 180,
    "glpi10_toolbox_log": 120,
    "glpi11": 120,
    "glpi10_sql_error": 80,
    "php_native_line": 190,
    "php_native_fatal": 80,
    "glpi_loginfile": 70,
}
ZIPF_S = 0.9

# --- vocabulary -----------------------------------------------------------------------

# class -> (file relative to the GLPI root, methods)
CLASSES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Ticket": (
        "src/Ticket.php",
        (
            "showForm",
            "prepareInputForAdd",
            "post_addItem",
            "post_updateItem",
            "getDatasToAddNotification",
            "showListForItem",
        ),
    ),
    "Computer": ("src/Computer.php", ("showForm", "post_updateItem", "cleanDBonPurge")),
    "CommonDBTM": (
        "src/CommonDBTM.php",
        (
            "add",
            "update",
            "delete",
            "getFromDB",
            "getFromDBByCrit",
            "find",
            "showFormButtons",
            "check",
        ),
    ),
    "CommonITILObject": (
        "src/CommonITILObject.php",
        (
            "prepareInputForUpdate",
            "showTimeline",
            "getTimelineItems",
            "computeTakeIntoAccountDelayStat",
        ),
    ),
    "CommonGLPI": ("src/CommonGLPI.php", ("display", "showTabsContent", "displayStandardTab")),
    "Search": (
        "src/Search.php",
        (
            "showList",
            "giveItem",
            "addSelect",
            "addWhere",
            "constructSQL",
            "constructData",
            "displayData",
            "getOptions",
        ),
    ),
    "Html": (
        "src/Html.php",
        ("header", "footer", "redirect", "includeHeader", "showDateField", "clean"),
    ),
    "Dropdown": (
        "src/Dropdown.php",
        ("show", "getDropdownValue", "showFromArray", "getDropdownName"),
    ),
    "Session": (
        "src/Session.php",
        (
            "checkRight",
            "changeActiveEntities",
            "loadGroups",
            "addMessageAfterRedirect",
            "initNavigateListItems",
        ),
    ),
    "Toolbox": (
        "src/Toolbox.php",
        (
            "getMailServerStorageInstance",
            "logInFile",
            "sanitize",
            "getHtmlToDisplay",
            "callCurl",
            "seems_utf8",
        ),
    ),
    "DBmysql": ("src/DBmysql.php", ("doQuery", "request", "update", "insert", "fetchAssoc")),
    "DBmysqlIterator": ("src/DBmysqlIterator.php", ("execute", "buildQuery", "analyseCrit")),
    "Entity": ("src/Entity.php", ("getUsedConfig", "getEntityIDByCompletename", "showForm")),
    "Profile": ("src/Profile.php", ("getProfilesRights", "showForm", "cleanProfile")),
    "User": (
        "src/User.php",
        ("getFromDBbyName", "showForm", "prepareInputForUpdate", "syncLdapGroups", "getPictureURL"),
    ),
    "Planning": ("src/Planning.php", ("showPlanning", "constructEventsArray", "getCaldavEvents")),
    "Problem": ("src/Problem.php", ("showForm", "getDefaultValues")),
    "Change": ("src/Change.php", ("showForm", "post_addItem")),
    "NotificationTarget": (
        "src/NotificationTarget.php",
        ("getTargets", "addForTarget", "getSender", "getTags"),
    ),
    "NotificationEventMailing": ("src/NotificationEventMailing.php", ("send", "raise")),
    "QueuedNotification": ("src/QueuedNotification.php", ("cronQueuedNotification", "sendById")),
    "MailCollector": (
        "src/MailCollector.php",
        ("collect", "connect", "buildTicket", "getHeaders", "getDecodedContent", "cronMailgate"),
    ),
    "CronTask": ("src/CronTask.php", ("launch", "callCron", "get_next_to_launch")),
    "Plugin": ("src/Plugin.php", ("init", "load", "doHook", "doHookFunction", "checkVersions")),
    "Auth": ("src/Auth.php", ("login", "connection_ldap", "validateLogin")),
    "AuthLDAP": (
        "src/AuthLDAP.php",
        ("connectToServer", "tryToConnectToServer", "ldapAuth", "searchUserDn", "getObjectByDn"),
    ),
    "Document": ("src/Document.php", ("send", "moveUploadedDocument", "getImage")),
    "ITILFollowup": ("src/ITILFollowup.php", ("post_addItem", "prepareInputForAdd", "showForm")),
    "Log": ("src/Log.php", ("history", "constructHistory", "showForItem")),
    "Calendar": ("src/Calendar.php", ("computeEndDate", "getActiveTimeBetween")),
    "SLA": ("src/SLA.php", ("computeDate", "addLevelToDo")),
    "RuleCollection": ("src/RuleCollection.php", ("processAllRules", "getRuleList")),
    "Rule": ("src/Rule.php", ("process", "checkCriterias", "executeActions")),
    "Infocom": ("src/Infocom.php", ("showForItem", "cronInfocom")),
    "KnowbaseItem": ("src/KnowbaseItem.php", ("showFull", "getVisibilityCriteria")),
    "Ajax": ("src/Ajax.php", ("createTabs", "updateItemOnSelectEvent")),
    "Glpi\\Inventory\\Inventory": (
        "src/Inventory/Inventory.php",
        ("doInventory", "handleItem", "handleAgent"),
    ),
    "Glpi\\Inventory\\Asset\\Software": (
        "src/Inventory/Asset/Software.php",
        ("handle", "prepare", "populateSoftware"),
    ),
    "Glpi\\Inventory\\Asset\\NetworkCard": (
        "src/Inventory/Asset/NetworkCard.php",
        ("handle", "handleLinks"),
    ),
    "Glpi\\Application\\View\\TemplateRenderer": (
        "src/Application/View/TemplateRenderer.php",
        ("render", "display"),
    ),
    "Glpi\\Dashboard\\Grid": ("src/Dashboard/Grid.php", ("show", "getCards")),
    "Glpi\\Dashboard\\Provider": (
        "src/Dashboard/Provider.php",
        ("bigNumberItem", "ticketsOpened", "multipleNumberTicketByStatus"),
    ),
    "Glpi\\Marketplace\\Controller": (
        "src/Marketplace/Controller.php",
        ("checkUpdate", "downloadPlugin"),
    ),
    "Glpi\\Api\\APIRest": ("src/Api/APIRest.php", ("call", "parseIncomingParams")),
    "Glpi\\Api\\API": ("src/Api/API.php", ("getItems", "searchItems", "returnResponse")),
    "Glpi\\Csv\\CsvResponse": ("src/Csv/CsvResponse.php", ("output",)),
    "Glpi\\RichText\\RichText": (
        "src/RichText/RichText.php",
        ("getEnhancedHtml", "getTextFromHtml"),
    ),
    "PluginFieldsContainer": (
        "plugins/fields/inc/container.class.php",
        ("preItem", "postItemAdd", "showForTab", "getUsedItemtypes"),
    ),
    "PluginFieldsField": (
        "plugins/fields/inc/field.class.php",
        ("showForTabContainer", "prepareHtmlFields"),
    ),
    "PluginFormcreatorForm": (
        "marketplace/formcreator/inc/form.class.php",
        ("saveForm", "showForm", "displayUserForm"),
    ),
    "PluginFormcreatorFormAnswer": (
        "marketplace/formcreator/inc/formanswer.class.php",
        ("parseTags", "generateTarget", "post_addItem"),
    ),
    "PluginGenericobjectObject": (
        "plugins/genericobject/inc/object.class.php",
        ("showForm", "registerType"),
    ),
    "PluginDatainjectionModel": (
        "marketplace/datainjection/inc/model.class.php",
        ("readUploadedFile", "processUploadedFile"),
    ),
    "PluginBehaviorsTicket": (
        "plugins/behaviors/inc/ticket.class.php",
        ("beforeUpdate", "afterAdd"),
    ),
}
CLASS_NAMES = tuple(CLASSES)
VENDOR_FRAMES: tuple[tuple[str, str], ...] = (
    ("vendor/twig/twig/src/Environment.php", "Twig\\Environment->render"),
    ("vendor/twig/twig/src/Template.php", "Twig\\Template->display"),
    ("vendor/twig/twig/src/Template.php", "Twig\\Template->displayWithErrorHandling"),
    (
        "vendor/laminas/laminas-mail/src/Storage/Imap.php",
        "Laminas\\Mail\\Storage\\Imap->__construct",
    ),
    ("vendor/laminas/laminas-mail/src/Protocol/Imap.php", "Laminas\\Mail\\Protocol\\Imap->connect"),
    ("vendor/laminas/laminas-mail/src/Protocol/Imap.php", "Laminas\\Mail\\Protocol\\Imap->login"),
    ("vendor/guzzlehttp/guzzle/src/Client.php", "GuzzleHttp\\Client->request"),
    (
        "vendor/guzzlehttp/guzzle/src/Handler/CurlFactory.php",
        "GuzzleHttp\\Handler\\CurlFactory::finishError",
    ),
    ("vendor/phpmailer/phpmailer/src/PHPMailer.php", "PHPMailer\\PHPMailer\\PHPMailer->send"),
    (
        "vendor/symfony/cache/Adapter/FilesystemAdapter.php",
        "Symfony\\Component\\Cache\\Adapter\\AbstractAdapter->save",
    ),
    ("vendor/sabre/dav/lib/DAV/Server.php", "Sabre\\DAV\\Server->invokeMethod"),
)
# entry script -> what it calls
ENTRY_POINTS: tuple[tuple[str, tuple[int, int]], ...] = (
    ("front/ticket.form.php", (60, 260)),
    ("front/computer.form.php", (40, 140)),
    ("front/central.php", (30, 90)),
    ("front/ticket.php", (30, 60)),
    ("front/search.php", (20, 60)),
    ("front/cron.php", (40, 110)),
    ("front/mailcollector.form.php", (60, 120)),
    ("front/dropdown.common.form.php", (80, 200)),
    ("front/inventory.php", (40, 70)),
    ("ajax/common.tabs.php", (80, 130)),
    ("ajax/getDropdownValue.php", (40, 80)),
    ("ajax/dashboard.php", (90, 190)),
    ("ajax/timeline.php", (50, 120)),
    ("ajax/search.php", (30, 60)),
    ("apirest.php", (40, 60)),
    ("front/plugin.php", (30, 60)),
    ("marketplace/formcreator/front/formdisplay.php", (40, 90)),
    ("plugins/fields/ajax/container.php", (20, 70)),
    ("inc/includes.php", (90, 130)),
)
ARRAY_KEYS = (
    "is_deleted",
    "entities_id",
    "glpiactiveprofile",
    "itemtype",
    "items_id",
    "name",
    "comment",
    "users_id_tech",
    "groups_id_tech",
    "locations_id",
    "status",
    "urgency",
    "impact",
    "priority",
    "content",
    "date_mod",
    "is_recursive",
    "glpiname",
    "glpiID",
    "glpi_currenttime",
    "_glpi_csrf_token",
    "type",
    "requesttypes_id",
    "itilcategories_id",
    "completename",
    "level",
    "ancestors_cache",
    "sons_cache",
    "users_id_requester",
    "_users_id_assign",
    "_groups_id_assign",
    "actiontime",
    "solvedate",
    "closedate",
    "time_to_resolve",
    "internal_time_to_own",
    "contact",
    "contact_num",
    "serial",
    "otherserial",
    "manufacturers_id",
    "states_id",
    "ip",
    "mac",
    "fqdn",
    "domains_id",
    "plugin_fields_containers_id",
    "formcreator_field",
    "answer",
    "rights",
    "interface",
    "helpdesk_hardware",
    "glpi_plugins",
    "glpiactive_entity",
    "glpidefault_entity",
    "display_options",
    "sort",
    "order",
    "criteria",
    "metacriteria",
    "start",
    "list_limit",
)
PROPS = (
    "fields",
    "input",
    "itemtype",
    "name",
    "id",
    "type",
    "rights",
    "completename",
    "sub_type",
    "links",
    "entity",
    "date",
    "content",
)
TAGS = (
    "section",
    "article",
    "nav",
    "header",
    "footer",
    "figure",
    "figcaption",
    "main",
    "o:p",
    "v:shape",
    "st1:personname",
    "font",
)
PHP_FUNCS_NULL = (
    ("strlen", 1, "string", "string"),
    ("htmlspecialchars", 1, "string", "string"),
    ("str_replace", 3, "subject", "array|string"),
    ("trim", 1, "string", "string"),
    ("strpos", 1, "haystack", "string"),
    ("explode", 2, "string", "string"),
    ("mb_strlen", 1, "string", "string"),
    ("preg_match", 2, "subject", "string"),
    ("strtotime", 1, "datetime", "string"),
    ("base64_decode", 1, "string", "string"),
    ("json_decode", 1, "json", "string"),
    ("urlencode", 1, "string", "string"),
    ("stripslashes", 1, "string", "string"),
    ("html_entity_decode", 1, "string", "string"),
)
MAIL_HOSTS = (
    "outlook.office365.com",
    "imap.gmail.com",
    "mail.example.org",
    "imap.ovh.net",
    "mx.intra.local",
    "exchange.corp.local",
    "imap.ionos.fr",
    "ssl0.ovh.net",
    "imap.free.fr",
    "mail.gandi.net",
)
LOGINS = (
    "jdoe",
    "mmartin",
    "s.bernard",
    "admin",
    "glpi",
    "tech01",
    "helpdesk",
    "p.durand",
    "l.petit",
    "svc_glpi",
    "a.moreau",
    "n.laurent",
)
TABLES = (
    "glpi_tickets",
    "glpi_computers",
    "glpi_users",
    "glpi_logs",
    "glpi_itilfollowups",
    "glpi_documents",
    "glpi_items_softwareversions",
    "glpi_softwares",
    "glpi_entities",
    "glpi_networkports",
    "glpi_queuednotifications",
    "glpi_events",
    "glpi_crontasklogs",
    "glpi_tickettasks",
    "glpi_groups_users",
    "glpi_profiles_users",
    "glpi_ipaddresses",
)
COLUMNS = (
    "old_value",
    "new_value",
    "content",
    "name",
    "comment",
    "completename",
    "printers_id",
    "taskjob.restrict_to_task_entity",
    "is_dynamic",
    "date_creation",
    "users_id_lastupdater",
    "entities_id",
    "states_id",
    "sons_cache",
)
PHP_VERSIONS = ("20210902", "20220829")


@dataclass
class Signature:
    """One message shape: a body template (text after the timestamp) with slots."""

    shape: str
    parts: list[str]  # literal, slot, literal, slot, ... literal
    known: str | None = None
    pool: list[str] = field(default_factory=list)
    pool_cum: list[float] = field(default_factory=list)

    @property
    def slotted(self) -> bool:
        return len(self.parts) > 1


_SLOT = re.compile(r"\{\{(\w+)\}\}")


def _hex(rng: random.Random, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


SLOTS: dict[str, Callable[[random.Random], str]] = {
    "id": lambda r: str(r.randint(1, 250_000)),
    "small": lambda r: str(r.randint(2, 40)),
    "count": lambda r: str(r.randint(2, 480)),
    "uid": lambda r: str(r.randint(2, 1_800)),
    "ip": lambda r: f"10.{r.randint(0, 40)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
    "hex8": lambda r: _hex(r, 8),
    "hex13": lambda r: _hex(r, 13),
    "hex32": lambda r: _hex(r, 32),
    "sess": lambda r: _hex(r, 26),
    "mailhost": lambda r: r.choice(MAIL_HOSTS),
    "login": lambda r: r.choice(LOGINS) + (str(r.randint(1, 99)) if r.random() < 0.5 else ""),
    "bytes": lambda r: str(
        r.choice((4096, 8192, 20480, 32768, 65536, 262144, 2097152)) + r.randint(0, 64) * 8
    ),
    "ms": lambda r: str(r.randint(5000, 30_000)),
    "offset": lambda r: str(r.randint(10, 60_000)),
    "mem": lambda r: f"{r.randint(4, 120)}.{r.randint(0, 99):02d}",
    "secs": lambda r: f"{r.randint(0, 40)}.{r.randint(0, 999):03d}",
    "port": lambda r: str(r.choice((993, 993, 993, 995, 143, 110))),
    "ticket": lambda r: f"{r.randint(1, 99_999):07d}",
    "errno": lambda r: r.choice(("1054", "1146", "1062", "1366", "1406", "1452", "1213")),
}


def _compile(shape: str, text: str, known: str | None = None) -> Signature:
    parts = _SLOT.split(text)
    for name in parts[1::2]:
        if name not in SLOTS:
            raise ValueError(f"unknown slot {name!r} in {text[:80]!r}")
    return Signature(shape, parts, known)


def fill(template: str, **values: str) -> str:
    """Replace `{name}` placeholders (not `{{slot}}` markers) by fixed values."""
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


def render(sig: Signature, rng: random.Random) -> str:
    """A body with fresh slot values."""
    parts = sig.parts
    if len(parts) == 1:
        return parts[0]
    out = list(parts)
    for i in range(1, len(parts), 2):
        out[i] = SLOTS[parts[i]](rng)
    return "".join(out)


# --- building blocks ----------------------------------------------------------------------


def glpi_row(script: str, call: str) -> str:
    """One GLPI backtrace row: two spaces, 50-char script column, space, call."""
    if len(script) > 50:
        script = "..." + script[-47:]
    return f"  {script:<50} {call}\n"


@dataclass
class Frame:
    file: str  # relative to the GLPI root
    line: int
    call: str  # "Class->method" (no parentheses), "" for none


def _call(rng: random.Random, cls: str) -> str:
    methods = CLASSES[cls][1]
    sep = "::" if rng.random() < 0.2 else "->"
    return f"{cls}{sep}{rng.choice(methods)}"


def make_stack(rng: random.Random, depth: int, first_cls: str | None = None) -> list[Frame]:
    """A plausible call chain, innermost first: frame i says "at file:line, call_i was called".

    The first frame's file is the file of `first_cls`'s caller; the error itself sits in
    `first_cls`'s file (the header says where).
    """
    classes = [first_cls or rng.choice(CLASS_NAMES)]
    for _ in range(depth - 1):
        classes.append(rng.choice(CLASS_NAMES))
    calls = [_call(rng, c) for c in classes]
    # optionally hide vendor frames in the middle (twig rendering, laminas, guzzle)
    frames: list[Frame] = []
    for i in range(depth):
        if i + 1 < depth:
            file = CLASSES[classes[i + 1]][0]
            line = rng.randint(20, 9000)
        else:
            file, (lo, hi) = rng.choice(ENTRY_POINTS)
            line = rng.randint(lo, hi)
        frames.append(Frame(file, line, calls[i]))
    if depth >= 6 and rng.random() < 0.3:
        vfile, vcall = rng.choice(VENDOR_FRAMES)
        pos = rng.randint(1, depth - 2)
        frames.insert(pos, Frame(vfile, rng.randint(30, 900), vcall))
        frames.pop(pos + 1)
    return frames


def glpi10_rows(frames: Sequence[Frame], *, sep: str = "/") -> str:
    out = []
    for f in frames:
        script = f"{f.file}:{f.line}" if f.file else ":"
        if sep != "/":
            script = script.replace("/", sep)
        out.append(glpi_row(script, f"{f.call}()" if f.call else ""))
    return "".join(out)


def glpi11_rows(throw_file: str, throw_line: int, frames: Sequence[Frame]) -> str:
    out = [glpi_row(f"./{throw_file}:{throw_line}", "")]
    for f in frames:
        out.append(glpi_row(f"./{f.file}:{f.line}", f"{f.call}()" if f.call else ""))
    return "".join(out)


def php_args(rng: random.Random) -> str:
    return rng.choice(
        (
            "",
            "",
            "Array",
            "'{{id}}'",
            "Object(Ticket)",
            "'{{id}}', Array",
            "Array, Array",
            "NULL",
            "Object(Glpi\\Search\\SearchOption)",
            "true",
        )
    )


def php_stack(rng: random.Random, frames: Sequence[Frame]) -> str:
    out = ["Stack trace:\n"]
    for i, f in enumerate(frames):
        out.append(f"#{i} {ROOT}/{f.file}({f.line}): {f.call}({php_args(rng)})\n")
    out.append(f"#{len(frames)} {{main}}\n")
    return "".join(out)


def basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]


# --- messages ------------------------------------------------------------------------------

PHP_TYPES_10 = (  # (type text, level, weight, message family)
    ("PHP Warning (2)", "WARNING", 55, "warning"),
    ("PHP Notice (8)", "NOTICE", 14, "notice"),
    ("PHP Deprecated function (8192)", "NOTICE", 15, "deprecated"),
    ("PHP User Warning (512)", "WARNING", 9, "user"),
    ("PHP User Notice (1024)", "NOTICE", 4, "user"),
    ("PHP User deprecated function (16384)", "NOTICE", 3, "userdep"),
)


def warning_message(rng: random.Random) -> str:
    key = rng.choice(ARRAY_KEYS)
    cls = rng.choice(CLASS_NAMES)
    choices: tuple[str, ...] = (
        f'Undefined array key "{key}"',
        f'Undefined array key "{key}"',
        f'Undefined array key "{key}"',
        "Undefined array key {{small}}",
        "Trying to access array offset on value of type null",
        "Trying to access array offset on value of type bool",
        f'Attempt to read property "{rng.choice(PROPS)}" on null',
        f'Attempt to read property "{rng.choice(PROPS)}" on bool',
        "foreach() argument must be of type array|object, null given",
        "foreach() argument must be of type array|object, string given",
        f"Undefined variable ${rng.choice(PROPS)}",
        "Array to string conversion",
        "A non-numeric value encountered",
        "Uninitialized string offset {{small}}",
        "unserialize(): Error at offset {{offset}} of {{offset}} bytes",
        f"file_get_contents({ROOT}/files/_pictures/{{{{hex8}}}}.png): Failed to open stream: "
        "No such file or directory",
        f"DOMDocument::loadHTML(): Tag {rng.choice(TAGS)} invalid in Entity, line: {{{{small}}}}",
        f"Undefined property: {cls}::${rng.choice(PROPS)}",
        "Cannot modify header information - headers already sent",
        "iconv(): Detected an illegal character in input string",
        f"mkdir(): File exists in {ROOT}/files/_tmp/{{{{hex13}}}}",
        f"unlink({ROOT}/files/_tmp/{{{{hex13}}}}.tmp): No such file or directory",
        "array_merge(): Argument #2 must be of type array, null given",
        "Undefined array key {{id}}",
        f'Undefined array key "{key}" in search option {{{{small}}}}',
    )
    return rng.choice(choices)


def notice_message(rng: random.Random) -> str:
    return rng.choice(
        (
            f"Undefined index: {rng.choice(ARRAY_KEYS)}",
            "Undefined offset: {{small}}",
            f"Undefined variable: {rng.choice(PROPS)}",
            "Only variables should be passed by reference",
            f"Trying to get property '{rng.choice(PROPS)}' of non-object",
            "Only variable references should be returned by reference",
        )
    )


def deprecated_message(rng: random.Random) -> str:
    fn, n, param, typ = rng.choice(PHP_FUNCS_NULL)
    cls = rng.choice(CLASS_NAMES)
    prop = rng.choice(PROPS)
    return rng.choice(
        (
            f"{fn}(): Passing null to parameter #{n} (${param}) of type {typ} is deprecated",
            f"{fn}(): Passing null to parameter #{n} (${param}) of type {typ} is deprecated",
            f"Creation of dynamic property {cls}::${prop} is deprecated",
            f"Return type of {cls}::offsetGet($offset) should either be compatible with "
            "ArrayAccess::offsetGet(mixed $offset): mixed, or the #[\\ReturnTypeWillChange] "
            "attribute should be used to temporarily suppress the notice",
            f"Optional parameter ${prop} declared before required parameter $options is "
            "implicitly treated as a required parameter",
            "Automatic conversion of false to array is deprecated",
            "Using ${var} in strings is deprecated, use {$var} instead",
        )
    )


def user_message(rng: random.Random) -> str:
    cls = rng.choice(CLASS_NAMES)
    return rng.choice(
        (
            f"{cls}::getFromDB() expects ID {{{{id}}}} to exist",
            f'Invalid itemtype "{rng.choice(CLASS_NAMES)}"',
            f"Search option {{{{small}}}} for itemtype {cls} is not defined",
            f'Plugin "{rng.choice(("fields", "formcreator", "genericobject", "behaviors"))}" '
            "is not compatible with the current GLPI version",
            "Unable to get access token",
            f'Missing "{rng.choice(ARRAY_KEYS)}" in input of {cls}::add()',
            "Unable to load plugin hook file",
            f"Item {cls} #{{{{id}}}} not found",
            "More than {{count}} emails in mailbox are either already imported, either errored. To "
            "avoid a too long execution time, the retrieval of emails has been stopped after "
            "{{count}}th email.",
        )
    )


def userdep_message(rng: random.Random) -> str:
    a, b = rng.sample(CLASS_NAMES, 2)
    return rng.choice(
        (
            f"Called method is deprecated. Use {b}::{rng.choice(CLASSES[b][1])}() instead.",
            f"{a}::{rng.choice(CLASSES[a][1])}() is deprecated",
            "Called method is deprecated",
        )
    )


FAMILY: dict[str, Callable[[random.Random], str]] = {
    "warning": warning_message,
    "notice": notice_message,
    "deprecated": deprecated_message,
    "user": user_message,
    "userdep": userdep_message,
}

EXCEPTIONS_10: tuple[tuple[str, str], ...] = (
    ("Error", "Call to a member function getID() on null"),
    ("Error", "Call to a member function fetch_assoc() on bool"),
    ("Error", "Call to a member function getField() on null"),
    ("Error", "Call to undefined method {cls}::getDefaultCategory()"),
    ("Error", "Object of class {cls} could not be converted to string"),
    ("Error", "Cannot use object of type stdClass as array"),
    (
        "TypeError",
        "{cls}::getById(): Argument #1 ($id) must be of type int, string given, "
        "called in {root}/{file} on line {{offset}}",
    ),
    ("TypeError", "count(): Argument #1 ($value) must be of type Countable|array, null given"),
    ("TypeError", "array_keys(): Argument #1 ($array) must be of type array, bool given"),
    ("TypeError", "Unsupported operand types: string + int"),
    (
        "ArgumentCountError",
        "Too few arguments to function {cls}::add(), 0 passed in "
        "{root}/{file} on line {{small}} and at least 1 expected",
    ),
    (
        "ValueError",
        "array_combine(): Argument #1 ($keys) and argument #2 ($values) must have "
        "the same number of elements",
    ),
    ("DivisionByZeroError", "Division by zero"),
    ("JsonException", "Syntax error"),
    ("RuntimeException", "Unable to fetch data for item #{{id}}"),
    ("RuntimeException", "Invalid JSON: Syntax error in inventory from agent {{hex13}}"),
    (
        "Laminas\\Mail\\Protocol\\Exception\\RuntimeException",
        "cannot connect to host; error = stream_socket_client(): Unable to connect to "
        "ssl://{{mailhost}}:{{port}} (Connection timed out) (errno = 0 )",
    ),
    ("Laminas\\Mail\\Protocol\\Exception\\RuntimeException", "cannot read - connection closed?"),
    (
        "Laminas\\Mail\\Storage\\Exception\\RuntimeException",
        "cannot change folder, maybe it does not exist",
    ),
    (
        "Laminas\\Mail\\Storage\\Exception\\RuntimeException",
        "cannot copy message, does the folder exist?",
    ),
    ("Laminas\\Mail\\Exception\\InvalidArgumentException", "Invalid header value detected"),
    (
        "GuzzleHttp\\Exception\\ConnectException",
        "cURL error 6: Could not resolve host: services.glpi-network.com (see "
        "https://curl.haxx.se/libcurl/c/libcurl-errors.html) for "
        "https://services.glpi-network.com/api/marketplace/plugins?page={{small}}",
    ),
    ("PHPMailer\\PHPMailer\\Exception", "SMTP Error: Could not authenticate."),
    ("PHPMailer\\PHPMailer\\Exception", "Invalid address:  (to): {{login}}@"),
    ("mysqli_sql_exception", "Lost connection to MySQL server during query"),
    ("Glpi\\Exception\\Http\\NotFoundHttpException", "Item #{{id}} not found"),
)


# --- signature makers per shape ----------------------------------------------------------------


def sig_glpi10_php(rng: random.Random) -> Signature:
    type_text, level, _w, family = rng.choices(PHP_TYPES_10, weights=[t[2] for t in PHP_TYPES_10])[
        0
    ]
    msg = FAMILY[family](rng)
    user = family in ("user", "userdep")
    depth = rng.randint(3, 14 if user else 15)
    frames = make_stack(rng, depth)
    first_cls = frames[0].call.split("->")[0].split("::")[0]
    file0 = CLASSES[first_cls][0]
    line0 = rng.randint(20, 9000)
    if user:  # trigger_error() is the innermost frame
        frames.insert(0, Frame(file0, line0, "trigger_error"))
    body = (
        f"glpiphplog.{level}:   *** {type_text}: {msg} in {ROOT}/{file0} at line {line0}\n"
        f"  Backtrace :\n{glpi10_rows(frames)}  \n"
    )
    return _compile("glpi10_php_error", body)


def sig_glpi10_exception(rng: random.Random) -> Signature:
    depth = rng.randint(3, 15)
    frames = make_stack(rng, depth)
    first_cls = frames[0].call.split("->")[0].split("::")[0]
    file0 = CLASSES[first_cls][0]
    line0 = rng.randint(20, 9000)
    if rng.random() < 0.12:  # Twig errors have their own type label
        tpl = rng.choice(
            (
                "pages/setup/mailcollector/setup_form.html.twig",
                "components/itilobject/timeline/timeline.html.twig",
                "generic_show_form.html.twig",
                "pages/assets/computer.html.twig",
            )
        )
        var = rng.choice(PROPS)
        body = (
            f'glpiphplog.CRITICAL:   *** Twig Error (Twig\\Error\\RuntimeError): "Variable '
            f'"{var}" does not exist." in template "{tpl}" at line {rng.randint(5, 400)}\n'
            f"  Backtrace :\n{glpi10_rows(frames)}  \n"
        )
        return _compile("glpi10_exception", body)
    fqcn, msg = rng.choice(EXCEPTIONS_10)
    msg = fill(
        msg, cls=rng.choice(CLASS_NAMES), root=ROOT, file=CLASSES[rng.choice(CLASS_NAMES)][0]
    )
    if fqcn.startswith("Laminas\\Mail"):
        file0 = rng.choice(
            (
                "vendor/laminas/laminas-mail/src/Protocol/Imap.php",
                "vendor/laminas/laminas-mail/src/Storage/Imap.php",
            )
        )
        frames = make_stack(rng, depth, "MailCollector")
        frames[0] = Frame(
            "src/Toolbox.php", rng.randint(2000, 2300), "Laminas\\Mail\\Storage\\Imap->__construct"
        )
    elif fqcn.startswith("GuzzleHttp"):
        file0 = "vendor/guzzlehttp/guzzle/src/Handler/CurlFactory.php"
    body = (
        f"glpiphplog.CRITICAL:   *** Uncaught Exception {fqcn}: {msg} in {ROOT}/{file0} "
        f"at line {line0}\n  Backtrace :\n{glpi10_rows(frames)}  \n"
    )
    return _compile("glpi10_exception", body)


TOOLBOX_MESSAGES: tuple[tuple[str, str, str], ...] = (  # (level, caller, message)
    ("WARNING", "getFromDBByCrit", "getFromDBByCrit expects to get one result, {{count}} found!"),
    ("WARNING", "getFromDBByCrit", "getFromDBByCrit expects to get one result, {{count}} found!"),
    ("WARNING", "getFromDBByCrit", "getFromDBByCrit expects to get one result, {{count}} found!"),
    (
        "ERROR",
        "doInventory",
        "Inventory failed for agent {{hex13}}: Unable to find the computer to update",
    ),
    ("WARNING", "checkVersions", "Plugin {plugin} is not compatible, it has been disabled"),
    ("ERROR", "sendById", "Unable to send notification #{{id}}: SMTP connect() failed."),
    (
        "WARNING",
        "getUsedConfig",
        "Unable to find entity {{small}} configuration for field {key}, using default value",
    ),
    ("ERROR", "getCaldavEvents", "Unable to fetch CalDAV events for user {{uid}}"),
    ("WARNING", "redirect", "Redirect to an external URL refused: https://{{mailhost}}/{{hex8}}"),
    ("NOTICE", "getDropdownValue", "Unknown itemtype {cls} given to dropdown"),
    (
        "ERROR",
        "moveUploadedDocument",
        "Unable to move uploaded file {{hex13}}.png to files/PNG/{{hex8}}",
    ),
    ("WARNING", "computeEndDate", "Calendar {{small}} has no working hours, end date not computed"),
)


def sig_glpi10_toolbox(rng: random.Random) -> Signature:
    level, func, msg = rng.choice(TOOLBOX_MESSAGES)
    msg = fill(
        msg,
        plugin=rng.choice(("fields", "formcreator", "genericobject", "ocsinventoryng")),
        key=rng.choice(ARRAY_KEYS),
        cls=rng.choice(CLASS_NAMES),
    )
    cls = rng.choice(CLASS_NAMES)
    sep = "::" if rng.random() < 0.7 else "->"
    file = CLASSES[rng.choice(CLASS_NAMES)][0]
    ctx = '{"user":"{{uid}}@' + HOST + '"}'
    if rng.random() < 0.3:
        ctx = '{"user":"{{uid}}@' + HOST + '","mem_usage":"{{secs}}\\", {{mem}}Mio)"}'
    if rng.random() < 0.25:
        ctx = '{"user":"@' + HOST + '"}'  # cron: no user id
    body = (
        f"glpiphplog.{level}: {cls}{sep}{func}() in {ROOT}/{file} line "
        f"{rng.randint(20, 9000)}\n{msg}  {ctx} \n"
    )
    return _compile("glpi10_toolbox_log", body)


GLPI11_PHP = (
    ("Warning", "WARNING", 60),
    ("User Warning", "WARNING", 15),
    ("Deprecated", "WARNING", 8),
    ("User Deprecated", "WARNING", 4),
    ("Notice", "WARNING", 3),
)


def sig_glpi11(rng: random.Random) -> Signature:
    depth = rng.randint(2, 14)
    frames = make_stack(rng, depth)
    first_cls = frames[0].call.split("->")[0].split("::")[0]
    file0 = CLASSES[first_cls][0]
    line0 = rng.randint(20, 9000)
    kind = rng.random()
    if kind < 0.6:
        name, level, _w = rng.choices(GLPI11_PHP, weights=[t[2] for t in GLPI11_PHP])[0]
        family = {
            "Warning": "warning",
            "User Warning": "user",
            "Deprecated": "deprecated",
            "User Deprecated": "userdep",
            "Notice": "warning",
        }[name]
        msg = FAMILY[family](rng).replace(ROOT, ".")
        head = f"glpi.{level}:   *** {name}: {msg} at {basename(file0)} line {line0}"
    elif kind < 0.85:
        fqcn, msg = rng.choice(EXCEPTIONS_10)
        msg = fill(msg, cls=rng.choice(CLASS_NAMES), root=".", file="src/Ticket.php")
        head = f"glpi.ERROR:   *** Caught {fqcn}: {msg}"
    else:
        fqcn, msg = rng.choice(EXCEPTIONS_10)
        msg = fill(msg, cls=rng.choice(CLASS_NAMES), root=".", file="src/Ticket.php")
        head = (
            f'glpi.CRITICAL:   *** Uncaught PHP Exception {fqcn}: "{msg}" at '
            f"{basename(file0)} line {line0}"
        )
    body = f"{head}\n  Backtrace :\n{glpi11_rows(file0, line0, frames)}\n"
    return _compile("glpi11", body)


SQL_ERRORS = (
    "Unknown column '{col}' in 'field list'",
    "Unknown column '{col}' in 'where clause'",
    "Table 'glpi.{table}' doesn't exist",
    "Duplicate entry '{{id}}-{{small}}' for key 'unicity'",
    "Data too long for column '{col}' at row 1",
    "Lock wait timeout exceeded; try restarting transaction",
    "Column '{col}' cannot be null",
    "You have an error in your SQL syntax; check the manual that corresponds to your MariaDB "
    "server version for the right syntax to use near ')' at line 1",
    "Cannot add or update a child row: a foreign key constraint fails",
)
FOLLOWUP_LINES = (
    "Bonjour,",
    "",
    "Le poste ne démarre plus depuis ce matin.",
    "Merci de votre aide.",
    "[GLPI #{{ticket}}] Nouveau suivi",
    "Cordialement,",
    "Jean Dupont",
    "Service informatique - poste {{small}}",
    "> Le {{small}}/01/2024 à 17:03, support a écrit :",
    "> Pouvez-vous redémarrer le poste ?",
    "-- ",
    "Envoyé depuis mon iPhone",
    "[cid:image001.png@01DA3E{{hex8}}]",
    "2024-01-02 17:03 - ticket mis à jour",
    "Erreur : le serveur répond mal",
    "#{{small}} relance",
)


def _sql_query(rng: random.Random) -> str:
    table = rng.choice(TABLES)
    col = rng.choice(COLUMNS)
    form = rng.random()
    if form < 0.35:  # multi-line INSERT with user text
        lines = [rng.choice(FOLLOWUP_LINES) for _ in range(rng.randint(2, 9))]
        text = "\n".join(lines)
        return (
            f"INSERT INTO `{table}` (`itemtype`, `items_id`, `content`, `date`, `users_id`) "
            f"VALUES ('Ticket', '{{{{id}}}}', '{text}', NOW(), '{{{{uid}}}}')"
        )
    if form < 0.55:  # multi-line SELECT as printed by some plugins
        return (
            f"SELECT `{table}`.*\nFROM `{table}`\nLEFT JOIN `glpi_entities` ON "
            f"(`{table}`.`entities_id` = `glpi_entities`.`id`)\nWHERE `{table}`.`id` = "
            "'{{id}}'\nORDER BY `date_mod` DESC"
        )
    if form < 0.8:
        return (
            f"UPDATE `{table}` SET `{col}` = '{{{{small}}}}', `date_mod` = NOW() "
            "WHERE `id` = '{{id}}'"
        )
    return f"SELECT * FROM `{table}` WHERE `{col}` = '{{{{id}}}}' LIMIT 1"


def sql_body(rng: random.Random, query: str, error: str, *, warnings: bool = False) -> str:
    frames = make_stack(rng, rng.randint(3, 12), "DBmysqlIterator")
    frames[0] = Frame("src/DBmysql.php", rng.randint(1380, 1520), "DBmysql->doQuery")
    uid = "{{uid}}" if rng.random() < 0.7 else ""
    if warnings:
        body = (
            f"glpisqllog.WARNING: DBmysql::doQuery() in {ROOT}/src/DBmysql.php line 421\n"
            f"  *** MySQL query warnings:\n  SQL: {query}\n  Warnings: \n{error}\n"
        )
    else:
        body = (
            f"glpisqllog.ERROR: DBmysql::doQuery() in {ROOT}/src/DBmysql.php line 403\n"
            f"  *** MySQL query error:\n  SQL: {query}\n  Error: {error}\n"
        )
    return f'{body}  Backtrace :\n{glpi10_rows(frames)}  {{"user":"{uid}@{HOST}"}} \n'


def sig_glpi10_sql(rng: random.Random) -> Signature:
    query = _sql_query(rng)
    if rng.random() < 0.2:
        col = rng.choice(COLUMNS)
        err = f"1265: Data truncated for column '{col}' at row {{{{small}}}}"
        return _compile("glpi10_sql_error", sql_body(rng, query, err, warnings=True))
    err = fill(rng.choice(SQL_ERRORS), col=rng.choice(COLUMNS), table=rng.choice(TABLES))
    return _compile("glpi10_sql_error", sql_body(rng, query, err))


PHP_NATIVE_TYPES = (
    ("Warning", 50),
    ("Notice", 15),
    ("Deprecated", 25),
    ("Fatal error", 3),
    ("Parse error", 1),
)


def sig_php_line(rng: random.Random) -> Signature:
    name = rng.choices(PHP_NATIVE_TYPES, weights=[t[1] for t in PHP_NATIVE_TYPES])[0][0]
    file = rng.choice(list(CLASSES.values()))[0]
    line = rng.randint(10, 9000)
    if name == "Warning":
        msg = rng.choice(
            (
                warning_message(rng),
                warning_message(rng),
                f'Module "{rng.choice(("ldap", "imap", "intl", "apcu"))}" is already loaded',
                "PHP Startup: Unable to load dynamic library 'imap' (tried: "
                f"/usr/lib/php/{rng.choice(PHP_VERSIONS)}/imap (/usr/lib/php/"
                "{ver}/imap: cannot open shared object file: No such file or "
                "directory))",
            )
        )
        msg = fill(msg, ver=rng.choice(PHP_VERSIONS))
    elif name == "Notice":
        msg = notice_message(rng)
    elif name == "Deprecated":
        msg = deprecated_message(rng)
    elif name == "Fatal error":
        msg = rng.choice(
            (
                "Cannot redeclare plugin_version_fields() (previously declared in "
                f"{ROOT}/plugins/fields/setup.php:35)",
                'Trait "Glpi\\Features\\Clonable" not found',
            )
        )
    else:
        msg = 'syntax error, unexpected token "}", expecting end of file'
    where = (
        "Unknown on line 0"
        if msg.startswith(("Module", "PHP Startup"))
        else f"{ROOT}/{file} on line {line}"
    )
    return _compile("php_native_line", f"PHP {name}:  {msg} in {where}\n")


NATIVE_UNCAUGHT = (
    ("Error", "Call to a member function {m}() on null"),
    ("Error", "Call to undefined method {cls}::{m}()"),
    ("Error", 'Class "{cls}" not found'),
    ("TypeError", "{cls}::{m}(): Argument #1 ($input) must be of type array, null given"),
    ("TypeError", "htmlspecialchars(): Argument #1 ($string) must be of type string, array given"),
    (
        "ArgumentCountError",
        "Too few arguments to function {cls}::{m}(), 1 passed and exactly 2 expected",
    ),
    ("mysqli_sql_exception", "Lost connection to MySQL server during query"),
    ("mysqli_sql_exception", "Too many connections"),
    ("ValueError", "Path cannot be empty"),
    ("Error", "Maximum function nesting level of '256' reached, aborting!"),
)


def sig_php_fatal(rng: random.Random) -> Signature:
    fqcn, msg = rng.choice(NATIVE_UNCAUGHT)
    cls = rng.choice(CLASS_NAMES)
    msg = fill(msg, cls=cls, m=rng.choice(CLASSES[cls][1]))
    frames = make_stack(rng, rng.randint(2, 12))
    first_cls = frames[0].call.split("->")[0].split("::")[0]
    file0 = CLASSES[first_cls][0]
    line0 = rng.randint(20, 9000)
    body = (
        f"PHP Fatal error:  Uncaught {fqcn}: {msg} in {ROOT}/{file0}:{line0}\n"
        f"{php_stack(rng, frames)}  thrown in {ROOT}/{file0} on line {line0}\n"
    )
    return _compile("php_native_fatal", body)


FILE_TEXTS = (
    "External #1: Launch mailgate",
    "External #1: Launch queuednotification",
    "Internal #1: Launch {task}",
    "External #1: Can't start {task}",
    "Can't get DB lock",
    "Internal #1: Nothing to launch",
    "An error occurred trying to connect to collector.<br/>cannot connect to host; error = "
    "stream_socket_client(): Unable to connect to ssl://{{mailhost}}:993 (Connection timed out) "
    "(errno = 0 )",
    "Message is invalid ('{{login}}@example' is not a valid hostname for the email address). "
    f'Check in "{ROOT}/files/_log/mailgate.log" for more details',
    "[login] 3: {{login}} log in from IP {{ip}}",
    "[login] 3: Failed login for {{login}} from IP {{ip}}",
    "An email was sent to {{login}}@example.org: [GLPI #{{ticket}}] New followup",
    "Warning: an email was undeliverable to {{login}}@example.org with {{small}} retries "
    "remaining. Message: [GLPI #{{ticket}}] New ticket, Error: SMTP connect() failed.",
    "Undefined function {cls}::cron{task} (for cron)",
    "Maintenance mode enabled, running tasks is disabled",
    "A minimum of 64 Mio is commonly required for GLPI.",
)
CRON_TASKS = (
    "mailgate",
    "queuednotification",
    "ldapsync",
    "graph",
    "session",
    "logs",
    "circularlogs",
    "planningrecall",
    "infocom",
    "contract",
    "certificate",
    "purgelogs",
    "cleanorphans",
    "telemetry",
    "olaticket",
    "slaticket",
)


def sig_loginfile(rng: random.Random) -> Signature:
    text = fill(rng.choice(FILE_TEXTS), task=rng.choice(CRON_TASKS), cls=rng.choice(CLASS_NAMES))
    user = (
        ""
        if text.startswith(("External", "Internal", "Can't", "Undefined", "Maint", "A min"))
        else rng.choice(("", "{{uid}}"))
    )
    return _compile("glpi_loginfile", f" [{user}@{HOST}]\n{text}\n")


MAKERS: dict[str, Callable[[random.Random], Signature]] = {
    "glpi10_php_error": sig_glpi10_php,
    "glpi10_exception": sig_glpi10_exception,
    "glpi10_toolbox_log": sig_glpi10_toolbox,
    "glpi11": sig_glpi11,
    "glpi10_sql_error": sig_glpi10_sql,
    "php_native_line": sig_php_line,
    "php_native_fatal": sig_php_fatal,
    "glpi_loginfile": sig_loginfile,
}


# --- known problems -------------------------------------------------------------------------


def known_signatures(rng: random.Random) -> list[tuple[Signature, float]]:
    """The injected problems rules must explain, each in its real shape, with weights."""
    out: list[tuple[Signature, float]] = []

    def add(name: str, shape: str, body: str, weight: float) -> None:
        out.append((_compile(shape, body, known=name), weight))

    oauth_rows = glpi10_rows(
        [
            Frame(
                "src/Toolbox.php",
                2196,
                "GlpiPlugin\\Oauthimap\\Imap\\ImapOauthStorage->__construct",
            ),
            Frame(
                "marketplace/oauthimap/inc/mailcollectorfeature.class.php",
                101,
                "Toolbox::getMailServerStorageInstance",
            ),
            Frame(
                "src/MailCollector.php",
                1375,
                "PluginOauthimapMailCollectorFeature::getMailServerStorageInstance",
            ),
            Frame("src/MailCollector.php", 698, "MailCollector->connect"),
            Frame("src/MailCollector.php", 1806, "MailCollector->collect"),
            Frame("src/CronTask.php", 1023, "MailCollector::cronMailgate"),
            Frame("front/cron.php", 91, "CronTask::launch"),
        ]
    )
    add(
        "oauthimap_cannot_login",
        "glpi10_exception",
        "glpiphplog.CRITICAL:   *** Uncaught Exception Laminas\\Mail\\Storage\\Exception\\"
        "RuntimeException: cannot login, user or password wrong in "
        f"{ROOT}/marketplace/oauthimap/inc/imap/imapoauthstorage.class.php at line 96\n"
        f"  Backtrace :\n{oauth_rows}  \n",
        22,
    )
    add(
        "oauthimap_cannot_login_glpi11",
        "glpi11",
        "glpi.ERROR:   *** Caught Laminas\\Mail\\Storage\\Exception\\RuntimeException: cannot "
        "login, user or password wrong\n  Backtrace :\n"
        + glpi_row("./marketplace/oauthimap/inc/imap/imapoauthstorage.class.php:96", "")
        + glpi_row(
            "./src/Toolbox.php:2054", "GlpiPlugin\\Oauthimap\\Imap\\ImapOauthStorage->__construct()"
        )
        + glpi_row(
            "./marketplace/oauthimap/inc/mailcollectorfeature.class.php:101",
            "Toolbox::getMailServerStorageInstance()",
        )
        + glpi_row(
            "./src/MailCollector.php:1332",
            "PluginOauthimapMailCollectorFeature::getMailServerStorageInstance()",
        )
        + glpi_row("./src/MailCollector.php:628", "MailCollector->connect()")
        + glpi_row("./src/CronTask.php:1122", "MailCollector->collect()")
        + "\n",
        6,
    )
    add(
        "oauthimap_cannot_login_cron",
        "glpi_loginfile",
        f" [@{HOST}]\nAn error occurred trying to connect to collector.<br/>cannot login, user or "
        "password wrong\n",
        8,
    )
    add(
        "oauthimap_no_token",
        "glpi10_php_error",
        "glpiphplog.WARNING:   *** PHP User Warning (512): Unable to get access token in "
        f"{ROOT}/marketplace/oauthimap/inc/imap/imapoauthprotocol.class.php at line 160\n"
        "  Backtrace :\n"
        + glpi_row(
            "marketplace/oauthimap/inc/imap/imapoauthprotocol.class.php:160", "trigger_error()"
        )
        + glpi_row(
            "marketplace/oauthimap/inc/imap/imapoauthstorage.class.php:94",
            "GlpiPlugin\\Oauthimap\\Imap\\ImapOauthProtocol->login()",
        )
        + oauth_rows
        + "  \n",
        4,
    )
    add(
        "mysql_gone_away",
        "glpi10_sql_error",
        sql_body(
            rng,
            "SELECT * FROM `glpi_crontasks` WHERE `id` = '{{small}}'",
            "MySQL server has gone away",
        ),
        10,
    )
    add(
        "memory_exhausted",
        "glpi10_php_error",
        "glpiphplog.CRITICAL:   *** PHP Error (1): Allowed memory size of 268435456 bytes "
        "exhausted (tried to allocate {{bytes}} bytes) in "
        f"{ROOT}/src/DBmysqlIterator.php at line 126  \n",
        9,
    )
    add(
        "memory_exhausted_native",
        "php_native_line",
        "PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate "
        f"{{{{bytes}}}} bytes) in {ROOT}/vendor/twig/twig/src/Lexer.php on line 157\n",
        5,
    )
    add(
        "max_execution_time",
        "glpi10_php_error",
        "glpiphplog.CRITICAL:   *** PHP Error (1): Maximum execution time of 30 seconds exceeded "
        f"in {ROOT}/src/Entity.php at line 3243  \n",
        6,
    )
    add(
        "mysqli_report_missing",
        "php_native_fatal",
        "PHP Fatal error:  Uncaught Error: Call to undefined function mysqli_report() in "
        f"{ROOT}/src/DBmysql.php:256\nStack trace:\n#0 {ROOT}/inc/dbconnection.class.php(112): "
        f"DBmysql->__construct()\n#1 {ROOT}/inc/includes.php(52): include_once('{ROOT}...')\n"
        f"#2 {ROOT}/index.php(69): include('{ROOT}...')\n#3 {{main}}\n  thrown in "
        f"{ROOT}/src/DBmysql.php on line 256\n",
        3,
    )
    add(
        "message_id_header",
        "glpi10_exception",
        "glpiphplog.CRITICAL:   *** Uncaught Exception Laminas\\Mail\\Storage\\Exception\\"
        "InvalidArgumentException: Header with Name message_id or message_id not found in "
        f"{ROOT}/vendor/laminas/laminas-mail/src/Storage/Part.php at line 316\n  Backtrace :\n"
        + glpi_row(
            "vendor/laminas/laminas-mail/src/Storage/Part.php:368",
            "Laminas\\Mail\\Storage\\Part->getHeader()",
        )
        + glpi_row("src/MailCollector.php:792", "Laminas\\Mail\\Storage\\Part->__get()")
        + glpi_row("src/MailCollector.php:2031", "MailCollector->collect()")
        + glpi_row("src/CronTask.php:1023", "MailCollector::cronMailgate()")
        + glpi_row("front/cron.php:91", "CronTask::launch()")
        + "  \n",
        5,
    )
    add(
        "ldap_bind",
        "glpi10_php_error",
        "glpiphplog.WARNING:   *** PHP Warning (2): ldap_bind(): Unable to bind to server: Can't "
        f"contact LDAP server in {ROOT}/src/AuthLDAP.php at line 2527\n  Backtrace :\n"
        + glpi_row("src/AuthLDAP.php:2527", "ldap_bind()")
        + glpi_row("src/AuthLDAP.php:2496", "AuthLDAP::connectToServer()")
        + glpi_row("src/Auth.php:412", "AuthLDAP::tryToConnectToServer()")
        + glpi_row("src/Auth.php:945", "Auth->connection_ldap()")
        + glpi_row("front/login.php:75", "Auth->login()")
        + "  \n",
        6,
    )
    add(
        "curl_timeout",
        "glpi10_exception",
        "glpiphplog.CRITICAL:   *** Uncaught Exception GuzzleHttp\\Exception\\ConnectException: "
        "cURL error 28: Connection timed out after {{ms}} milliseconds (see "
        "https://curl.haxx.se/libcurl/c/libcurl-errors.html) for "
        "https://services.glpi-network.com/api/marketplace/plugins in "
        f"{ROOT}/vendor/guzzlehttp/guzzle/src/Handler/CurlFactory.php at line 210\n"
        "  Backtrace :\n"
        + glpi_row(
            "vendor/guzzlehttp/guzzle/src/Handler/CurlFactory.php:158",
            "GuzzleHttp\\Handler\\CurlFactory::createRejection()",
        )
        + glpi_row("src/Marketplace/Api/Plugins.php:140", "GuzzleHttp\\Client->request()")
        + glpi_row(
            "src/Marketplace/Controller.php:468", "Glpi\\Marketplace\\Api\\Plugins->getAllPlugins()"
        )
        + glpi_row("front/cron.php:91", "CronTask::launch()")
        + "  \n",
        4,
    )
    add(
        "ssl_certificate",
        "glpi10_php_error",
        "glpiphplog.WARNING:   *** PHP Warning (2): stream_socket_enable_crypto(): SSL operation "
        "failed with code 1. OpenSSL Error messages:\nerror:1416F086:SSL routines:"
        "tls_process_server_certificate:certificate verify failed in "
        f"{ROOT}/vendor/laminas/laminas-mail/src/Protocol/Imap.php at line 106\n  Backtrace :\n"
        + glpi_row(
            "vendor/laminas/laminas-mail/src/Protocol/Imap.php:106", "stream_socket_enable_crypto()"
        )
        + glpi_row(
            "vendor/laminas/laminas-mail/src/Storage/Imap.php:216",
            "Laminas\\Mail\\Protocol\\Imap->connect()",
        )
        + glpi_row("src/Toolbox.php:2196", "Laminas\\Mail\\Storage\\Imap->__construct()")
        + glpi_row("src/MailCollector.php:1375", "Toolbox::getMailServerStorageInstance()")
        + "  \n",
        3,
    )
    add(
        "cache_permission",
        "glpi10_php_error",
        f"glpiphplog.WARNING:   *** PHP Warning (2): file_put_contents({ROOT}/files/_cache/"
        "{{hex8}}/{{hex13}}): Failed to open stream: Permission denied in "
        f"{ROOT}/vendor/symfony/cache/Traits/FilesystemCommonTrait.php at line 104\n"
        "  Backtrace :\n"
        + glpi_row(
            "vendor/symfony/cache/Traits/FilesystemCommonTrait.php:104", "file_put_contents()"
        )
        + glpi_row(
            "vendor/symfony/cache/Adapter/AbstractAdapter.php:152",
            "Symfony\\Component\\Cache\\Adapter\\FilesystemAdapter->doSave()",
        )
        + glpi_row(
            "src/Cache/CacheManager.php:300",
            "Symfony\\Component\\Cache\\Adapter\\AbstractAdapter->save()",
        )
        + glpi_row("inc/includes.php:98", "Glpi\\Cache\\CacheManager->getCoreCacheInstance()")
        + "  \n",
        4,
    )
    add(
        "session_permission",
        "php_native_line",
        "PHP Warning:  session_start(): open(/var/lib/php/sessions/sess_{{sess}}, O_RDWR) "
        f"failed: Permission denied (13) in {ROOT}/src/Session.php on line 1510\n",
        5,
    )
    add(
        "headers_sent",
        "php_native_line",
        "PHP Warning:  Cannot modify header information - headers already sent by (output "
        f"started at {ROOT}/plugins/fields/setup.php:1) in {ROOT}/src/Html.php on line 1288\n",
        3,
    )
    add(
        "fields_class_missing",
        "php_native_fatal",
        'PHP Fatal error:  Uncaught Error: Class "PluginFieldsContainer" not found in '
        f"{ROOT}/plugins/fields/hook.php:164\nStack trace:\n#0 {ROOT}/src/Plugin.php(1590): "
        f"plugin_fields_checkItemInput(Object(Ticket))\n#1 {ROOT}/src/CommonDBTM.php(1226): "
        f"Plugin::doHook('pre_item_update', Object(Ticket))\n#2 {ROOT}/front/ticket.form.php(97): "
        "CommonDBTM->update(Array)\n#3 {main}\n  thrown in "
        f"{ROOT}/plugins/fields/hook.php on line 164\n",
        3,
    )
    add(
        "plugin_table_missing",
        "glpi10_sql_error",
        sql_body(
            rng,
            "SELECT * FROM `glpi_plugin_fields_containers` WHERE `is_active` = '1'",
            "Table 'glpi.glpi_plugin_fields_containers' doesn't exist",
        ),
        4,
    )
    add(
        "utf8mb4_incorrect_string",
        "glpi11",
        "glpi.ERROR:   *** Caught RuntimeException: MySQL query error: Incorrect string value: "
        "'\\xF0\\x9F\\x98\\x80 M...' for column `glpi`.`glpi_tickets`.`content` at row 1 (1366) "
        "in SQL query \"INSERT INTO `glpi_tickets` (`name`, `content`) VALUES ('Panne', "
        "'{{hex8}}')\".\n  Backtrace :\n"
        + glpi_row("./src/DBmysql.php:371", "")
        + glpi_row("./src/CommonDBTM.php:1283", "DBmysql->insert()")
        + glpi_row("./src/MailCollector.php:842", "CommonDBTM->add()")
        + glpi_row("./src/CronTask.php:1122", "MailCollector->collect()")
        + "\n",
        3,
    )
    add(
        "imap_connection_refused",
        "glpi10_exception",
        "glpiphplog.CRITICAL:   *** Uncaught Exception Laminas\\Mail\\Protocol\\Exception\\"
        "RuntimeException: cannot connect to host; error = stream_socket_client(): Unable to "
        "connect to ssl://{{mailhost}}:993 (Connection refused) (errno = 0 ) in "
        f"{ROOT}/vendor/laminas/laminas-mail/src/Protocol/Imap.php at line 79\n  Backtrace :\n"
        + glpi_row(
            "vendor/laminas/laminas-mail/src/Storage/Imap.php:216",
            "Laminas\\Mail\\Protocol\\Imap->connect()",
        )
        + glpi_row("src/Toolbox.php:2196", "Laminas\\Mail\\Storage\\Imap->__construct()")
        + glpi_row("src/MailCollector.php:1375", "Toolbox::getMailServerStorageInstance()")
        + glpi_row("src/MailCollector.php:698", "MailCollector->connect()")
        + glpi_row("front/mailcollector.form.php:103", "MailCollector->collect()")
        + "  \n",
        5,
    )
    add(
        "glpimenu_key",
        "glpi10_php_error",
        'glpiphplog.WARNING:   *** PHP Warning (2): Undefined array key "glpimenu" in '
        f"{ROOT}/src/Html.php at line 1623\n  Backtrace :\n"
        + glpi_row("src/Html.php:1495", "Html::generateMenuSession()")
        + glpi_row("src/Html.php:6582", "Html::includeHeader()")
        + glpi_row("front/central.php:52", "Html::header()")
        + "  \n",
        4,
    )
    add(
        "deadlock",
        "glpi10_sql_error",
        sql_body(
            rng,
            "UPDATE `glpi_softwares` SET `softwarecategories_id` = '2', `date_mod` = "
            "NOW() WHERE `id` = '{{id}}'",
            "Deadlock found when trying to get lock; try restarting transaction",
        ),
        4,
    )
    add(
        "disk_full",
        "glpi10_php_error",
        "glpiphplog.NOTICE:   *** PHP Notice (8): fwrite(): Write of {{offset}} bytes failed with "
        f"errno=28 No space left on device in {ROOT}/src/Toolbox.php at line 410\n"
        "  Backtrace :\n"
        + glpi_row("src/Toolbox.php:410", "fwrite()")
        + glpi_row("src/CronTask.php:1061", "Toolbox::logInFile()")
        + glpi_row("front/cron.php:91", "CronTask::launch()")
        + "  \n",
        3,
    )
    add(
        "db_schema_version",
        "glpi_loginfile",
        f" [@{HOST}]\nThe version of the database is not compatible with the version of the "
        "installed files. An update is necessary.\n",
        2,
    )
    return out


# --- writer ---------------------------------------------------------------------------------------


def zipf_cum(n: int) -> list[float]:
    return list(accumulate(1.0 / (r + 1) ** ZIPF_S for r in range(n)))


def build_signatures(
    rng: random.Random,
) -> tuple[dict[str, list[Signature]], list[Signature], list[float]]:
    by_shape: dict[str, list[Signature]] = {}
    for shape, _share, _d, _p in SHAPES:
        sigs = [MAKERS[shape](rng) for _ in range(SIGNATURES[shape])]
        rng.shuffle(sigs)  # Zipf rank independent of construction order
        by_shape[shape] = sigs
    known = known_signatures(rng)
    return by_shape, [s for s, _w in known], list(accumulate(w for _s, w in known))


def fill_pool(sig: Signature, rng: random.Random) -> None:
    k = rng.randint(1, 4) if sig.slotted else 1
    sig.pool = [render(sig, rng) for _ in range(k)]
    sig.pool_cum = list(accumulate(1.0 / (i + 1) ** 1.5 for i in range(k)))


class Clock:
    """Monotonic (non-decreasing) timestamps, formatted once per second."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.epoch = START_EPOCH
        self._steps: list[int] = []
        self._fmt_for = -1
        self.ymd = self.php = ""

    def tick(self) -> None:
        if not self._steps:
            self._steps = self.rng.choices((0, 0, 1, 1, 1, 2, 3), k=65536)
        self.epoch += self._steps.pop()
        if self.epoch != self._fmt_for:
            t = time.gmtime(self.epoch)
            self.ymd = time.strftime("%Y-%m-%d %H:%M:%S", t)
            self.php = time.strftime("%d-%b-%Y %H:%M:%S UTC", t)
            self._fmt_for = self.epoch


def generate(out: Path, size: int, seed: int, *, unique: bool = False) -> dict[str, object]:
    """Write the corpus; with `unique`, every entry gets a request id of its own
    (`{"request_id":"<12 hex>"}` at the end of its last line), so that nothing repeats:
    the worst case for logdoctor's per-record-text memo."""
    rng = random.Random(seed)
    sigs_by_shape, known_sigs, known_cum = build_signatures(rng)
    for sigs in (*sigs_by_shape.values(), known_sigs):
        for sig in sigs:
            fill_pool(sig, rng)
    shape_names = [s[0] for s in SHAPES]
    prefix_kind = {s[0]: s[3] for s in SHAPES}
    groups = [*shape_names, "known"]
    group_cum = list(accumulate([*(s[1] for s in SHAPES), KNOWN_SHARE]))
    sig_cum = {shape: zipf_cum(len(sigs)) for shape, sigs in sigs_by_shape.items()}

    clock = Clock(rng)
    by_shape = dict.fromkeys(shape_names, 0)
    known_counts = {s.known or "": 0 for s in known_sigs}
    seen: set[int] = set()
    lines_arr = array("I")
    codes = array("B")
    nlines_cache: dict[int, tuple[int, int]] = {}  # id(body) -> (newlines, utf-8 bytes)

    written = 0
    pending: list[str] = []
    pending_chars = 0
    line_no = 1
    entries = 0
    choices = rng.choices
    rand = rng.random
    first_ts = ""
    with open(out, "wb") as f:
        while written < size:
            group = choices(groups, cum_weights=group_cum)[0]
            if group == "known":
                sig = choices(known_sigs, cum_weights=known_cum)[0]
            else:
                sig = choices(sigs_by_shape[group], cum_weights=sig_cum[group])[0]
            if sig.slotted and rand() < P_FRESH:
                body = render(sig, rng)
                nl, nbytes = body.count("\n"), len(body.encode())
            else:
                body = (
                    sig.pool[0]
                    if len(sig.pool) == 1
                    else choices(sig.pool, cum_weights=sig.pool_cum)[0]
                )
                cached = nlines_cache.get(id(body))
                if cached is None:
                    cached = nlines_cache[id(body)] = (body.count("\n"), len(body.encode()))
                nl, nbytes = cached
            if unique:
                # at the end of the last line: a header line must stay as it is
                body = f'{body[:-1]} {{"request_id":"{entries:012x}"}}\n'

                nl, nbytes = body.count("\n"), len(body.encode())
            clock.tick()
            kind = prefix_kind[sig.shape]
            if kind == "ymd":
                head = f"[{clock.ymd}] "
            elif kind == "php":
                head = f"[{clock.php}] "
            else:
                head = clock.ymd
            first_ts = first_ts or clock.ymd
            pending.append(head)
            pending.append(body)
            pending_chars += len(head) + len(body)
            written += len(head) + nbytes  # timestamps are ASCII
            seen.add(hash(body))
            lines_arr.append(line_no)
            code = SHAPE_CODE[sig.shape]
            by_shape[sig.shape] += 1
            if sig.known:
                code |= KNOWN_BIT
                known_counts[sig.known] += 1
            codes.append(code)
            line_no += nl
            entries += 1
            if pending_chars >= CHUNK_CHARS:
                f.write("".join(pending).encode())
                pending.clear()
                pending_chars = 0
        f.write("".join(pending).encode())
    actual = out.stat().st_size
    if actual != written:
        raise RuntimeError(f"size bookkeeping is off: wrote {actual}, counted {written}")
    write_index(out.with_name(out.name + ".index"), lines_arr, codes)
    dialect_of = {s[0]: s[2] for s in SHAPES}
    by_dialect: dict[str, int] = {}
    for shape, n in by_shape.items():
        by_dialect[dialect_of[shape]] = by_dialect.get(dialect_of[shape], 0) + n
    truth: dict[str, object] = {
        "generator": "bench/gen_corpus.py",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "unique": unique,
        "size_requested": size,
        "bytes": actual,
        "lines": line_no - 1,
        "entries": entries,
        "distinct_bodies": len(seen),
        "distinct_ratio": round(len(seen) / entries, 4) if entries else 0.0,
        "first_timestamp": first_ts,
        "last_timestamp": clock.ymd,
        "by_shape": by_shape,
        "by_dialect": by_dialect,
        "known_total": sum(known_counts.values()),
        "known_problems": known_counts,
        "signatures": sum(len(s) for s in sigs_by_shape.values()) + len(known_sigs),
        "shape_codes": dict(SHAPE_CODE),
        "known_bit": KNOWN_BIT,
    }
    truth_path = out.with_name(out.name + ".truth.json")
    truth_path.write_text(json.dumps(truth, indent=2) + "\n")
    return truth


def write_index(path: Path, lines_arr: array[int], codes: array[int]) -> None:
    if sys.byteorder != "little":
        lines_arr.byteswap()
    with open(path, "wb") as f:
        f.write(INDEX_MAGIC)
        f.write(len(lines_arr).to_bytes(8, "little"))
        lines_arr.tofile(f)
        codes.tofile(f)


def read_index(path: Path) -> tuple[array[int], array[int]]:
    """(first line of each entry, shape code of each entry) as written by write_index."""
    with open(path, "rb") as f:
        if f.read(len(INDEX_MAGIC)) != INDEX_MAGIC:
            raise ValueError(f"{path}: not a corpus index")
        n = int.from_bytes(f.read(8), "little")
        lines_arr = array("I")
        lines_arr.fromfile(f, n)
        codes = array("B")
        codes.fromfile(f, n)
    if sys.byteorder != "little":
        lines_arr.byteswap()
    return lines_arr, codes


def parse_size(text: str) -> int:
    return int(float(text))


def main(argv: Sequence[str]) -> int:
    if not 1 <= len(argv) <= 3 or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 2
    out = Path(argv[0])
    size = parse_size(argv[1]) if len(argv) > 1 else DEFAULT_SIZE
    seed = int(argv[2]) if len(argv) > 2 else DEFAULT_SEED
    t0 = time.perf_counter()
    truth = generate(out, size, seed, unique=os.environ.get("UNIQ") == "1")
    secs = time.perf_counter() - t0
    print(
        f"{out}: {truth['bytes']:,} bytes, {truth['lines']:,} lines, {truth['entries']:,} "
        f"entries ({truth['distinct_ratio']:.1%} distinct bodies), {truth['known_total']:,} "
        f"known-problem entries, {secs:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
