"""Command-line parsing: argv plus ``--config`` → one ``Invocation`` with validated options.

Commands and flags are declared as data (``table``). argparse only splits the words; the
layering (command line over config file over defaults), mandatory checks and value checks are
done here so that a value from ``--config`` is held to the same rules as one typed by hand and
every failure maps to its AZCM code: 0101 unparsable, 0016 missing, 0023 invalid, 0019 bad
config path.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING
from typing import Any

from cmagent.agent.options import NoOptions
from cmagent.agent.options import Options
from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import codes
from cmagent.machine.redact import mask_url_password
from cmagent.machine.redact import url_password

if TYPE_CHECKING:
    from collections.abc import Sequence


# Plain slotted classes rather than dataclasses: the table is built on every run's start-up path.
class Option:
    """A ``--long`` flag. ``kind`` is ``bool``, ``str`` or ``int``."""

    __slots__ = ("choices", "default", "help", "kind", "metavar", "name", "required", "secret",
                 "short")

    def __init__(self, name: str, help: str, short: str | None = None, kind: str = "str",
                 metavar: str | None = None, choices: tuple[str, ...] = (),
                 required: bool = False, secret: bool = False, default: Any = None) -> None:
        self.name = name
        self.help = help
        self.short = short
        self.kind = kind
        self.metavar = metavar
        self.choices = choices
        self.required = required
        self.secret = secret
        self.default = default

    @property
    def flag(self) -> str:
        return f"--{self.name}"

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")


class Positional:
    """A positional argument; ``many`` takes the rest of the words."""

    __slots__ = ("help", "many", "name", "required")

    def __init__(self, name: str, help: str, required: bool = True, many: bool = False) -> None:
        self.name = name
        self.help = help
        self.required = required
        self.many = many

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")


class Command:
    """A command or a group of subcommands."""

    __slots__ = ("config_ignores", "description", "examples", "handler", "name", "needs_root",
                 "options", "positionals", "record", "subcommands", "summary")

    def __init__(self, name: str, summary: str, description: str = "",
                 handler: str | None = None, options: tuple[Option, ...] = (),
                 positionals: tuple[Positional, ...] = (),
                 subcommands: tuple[Command, ...] = (), needs_root: bool = True,
                 examples: tuple[str, ...] = (), config_ignores: tuple[str, ...] = (),
                 record: type[Options] = NoOptions) -> None:
        self.name = name
        self.record = record  # the typed options its handler receives
        self.summary = summary
        self.description = description
        self.handler = handler
        self.options = options
        self.positionals = positionals
        self.subcommands = subcommands
        self.needs_root = needs_root
        self.examples = examples
        self.config_ignores = config_ignores  # --config keys accepted and ignored

    def __repr__(self) -> str:
        return f"Command({self.name})"


COMMON_OPTIONS: tuple[Option, ...] = (
    Option("config", "Path to a JSON or YAML file of flag values (long names without '--'); "
           "flags given on the command line win.", metavar="FILE"),
    Option("json", "Print the result as JSON.", short="j", kind="bool"),
    Option("log-stderr", "Send error and verbose messages to stderr instead of stdout.",
           kind="bool"),
    Option("no-color", "Turn off coloured output.", kind="bool"),
    Option("verbose", "Show verbose (debug) messages while the command runs.", short="v",
           kind="bool"),
)
_NOT_IN_CONFIG_FILE = {"config"}


class Invocation:
    """One parsed command line: the command, its options and where each value came from."""

    def __init__(self, path: tuple[str, ...], command: Command, options: dict[str, Any],
                 help_requested: bool = False, help_text: str = "",
                 sources: dict[str, str] | None = None, record: Options | None = None) -> None:
        self.path = path
        self.command = command
        self.options = options
        self.help_requested = help_requested
        self.help_text = help_text
        self.sources = sources or {}
        self.record = record  # the typed options; None when only help is asked for

    @property
    def name(self) -> str:
        return " ".join(self.path)

    def secrets(self) -> list[str]:
        """Values the run must never show: secret options, and the password of any URL given
        (``config set proxy.url http://u:pw@host``), found the way the HTTP stack reads it."""
        named = [str(self.options[o.dest]) for o in self._all_options()
                 if o.secret and self.options.get(o.dest)]
        return named + [p for p in map(url_password, self._strings()) if p]

    def loggable(self) -> dict[str, Any]:
        """The options with secret values and URL passwords masked: safe for the log."""
        secret = {o.dest for o in self._all_options() if o.secret}
        return {k: ("***" if (k in secret and v) or _misplaced_secret(k, v) else _masked(v))
                for k, v in self.options.items() if v not in (None, False, [])}

    def _strings(self) -> list[str]:
        values = [v if isinstance(v, list) else [v] for v in self.options.values()]
        return [item for group in values for item in group if isinstance(item, str)]

    def _all_options(self) -> tuple[Option, ...]:
        return self.command.options + COMMON_OPTIONS


def is_guid(value: str) -> bool:
    import re

    return re.fullmatch(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", value) \
        is not None


def _misplaced_secret(dest: str, value: Any) -> bool:
    """An application ID that is no GUID is likely the secret given to the wrong flag."""
    return dest == "service_principal_id" and not is_guid(str(value))


def _masked(value: Any) -> Any:
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return mask_url_password(value) if isinstance(value, str) else value


class _ParseFailure(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would print and exit(2)
        raise _ParseFailure(message)


def parse(argv: Sequence[str], root: Command, lang: str = "en") -> Invocation:
    """Parse ``argv`` against the command table ``root``; help is written in ``lang``."""
    path, rest = _split_command_words(argv, root)
    command = _command_at(root, path)
    parser = _parser_for(command, path)
    options_here = command.options + COMMON_OPTIONS
    try:
        given = vars(parser.parse_args(_values_joined(rest, options_here)))
    except (argparse.ArgumentError, _ParseFailure) as failure:
        raise _parse_failure(str(failure), _after_secrets(rest, options_here)) from None
    if given.pop("help", False) or command.subcommands:
        # Formatting help is costly: only done when it is shown.
        return Invocation(path, command, {}, help_requested=True,
                          help_text=_help_text(parser, command, path, lang))
    options, sources = _layer(command, given)
    _check(command, options)
    return Invocation(path, command, options, sources=sources,
                      record=command.record.build(options))


def _values_joined(words: list[str], options: Sequence[Option]) -> list[str]:
    """``--flag value`` as ``--flag=value`` for every flag that takes a value, so that a value
    beginning with "-" (an Entra secret may: ``-Xy8Q~...``) is taken as the real agent's
    parser takes it, not mistaken for a flag."""
    takes_value = {name: option.flag for option in options if option.kind != "bool"
                   for name in (option.flag, f"-{option.short}") if name != "-None"}
    switches = {name: option for option in options if option.kind == "bool"
                for name in (option.flag, f"-{option.short}") if name != "-None"}
    joined: list[str] = []
    remaining = iter(words)
    for word in remaining:
        value = next(remaining, None) if word in takes_value else None
        joined.append(_switch_given(word, switches) if value is None
                      else f"{takes_value[word]}={value}")
    return joined


# The words Go's flag parser (the real agent's) takes after '=' for a switch.
TRUE_WORDS = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE_WORDS = {"0", "f", "F", "FALSE", "false", "False"}


def _switch_given(word: str, switches: dict[str, Option]) -> str:
    """``--switch=true`` as ``--switch``, ``--switch=false`` as the hidden form that sets it
    false (over a --config file's true), as the real agent takes them; other words as they
    are."""
    name, equals, value = word.partition("=")
    option = switches.get(name)
    if not equals or option is None:
        return word
    if value in TRUE_WORDS:
        return name
    return f"{option.flag}=false" if value in _FALSE_WORDS else word


def _after_secrets(words: list[str], options: Sequence[Option]) -> set[str]:
    """Words right after a secret flag's value: a secret with a space in it, cut in two by
    the shell (``-p abc def``); an error names them only masked."""
    secret = {name for option in options if option.secret
              for name in (option.flag, f"-{option.short}") if name != "-None"}
    short = {name for name in secret if not name.startswith("--")}
    hidden = set()
    for at, word in enumerate(words):
        flag, equals, _ = word.partition("=")
        glued = any(word.startswith(name) and len(word) > len(name) for name in short)  # -pVAL
        after = at + (1 if equals or glued else 2)  # the word after the value
        if (flag in secret or glued) and after < len(words) and \
                not words[after].startswith("-"):
            hidden.add(words[after])
    return hidden


# argparse's complaints, said in our words; anything else is quoted as argparse said it.
_ARGPARSE_FORMS = (
    (r"unrecognized arguments: (.+)",
     "Unknown flag or extra word: {0}.", "不明なフラグか余分な語があります: {0}。"),
    (r"argument (\S+): expected one argument",
     "{0} needs a value.", "{0} には値が必要です。"),
    (r"argument (\S+): ignored explicit argument (.+)",
     "{0} takes no value (given {1}).", "{0} は値を取りません (指定された値: {1})。"),
)


def _parse_failure(message: str, hidden: set[str]) -> AzcmError:
    import re

    for pattern, english, japanese in _ARGPARSE_FORMS:
        found = re.fullmatch(pattern, message)
        if found:
            words = [_unknown_words(found.group(1), hidden), *found.groups()[1:]]
            return AzcmError(codes.COMMAND_PARSE_FAILED,
                             Localized(english.format(*words), japanese.format(*words)))
    return AzcmError(codes.COMMAND_PARSE_FAILED, Localized(
        "The command line is not valid.", "コマンド ラインが正しくありません。"), quoted=message)


def _unknown_words(words: str, hidden: set[str]) -> str:
    """The unknown flags as typed, their values never: a misspelt ``--service-principal-secret``
    is followed by a secret the redactor cannot know."""
    if not words.startswith("-"):
        first = words.split()[0] if " " in words else words
        return "*** (a word after a secret's value: is the secret quoted?)" \
            if first in hidden else first
    flags = [word.split("=", 1)[0] for word in words.split() if word.startswith("-")]
    return " ".join(flags)


def _split_command_words(argv: Sequence[str], root: Command) -> tuple[tuple[str, ...], list[str]]:
    """The command words the user typed (found before parsing, so that only the chosen
    command's parser is ever built) and the other words. A word where a group expects one of
    its commands is AZCM0101."""
    path: list[str] = []
    rest: list[str] = []
    command = root
    words = iter(argv)
    for word in words:
        if word == "--config":
            rest += [word, next(words, "")]
        elif word.startswith("-") or not command.subcommands:
            rest.append(word)
        else:
            child = next((c for c in command.subcommands if c.name == word), None)
            if child is None:
                raise AzcmError(codes.COMMAND_PARSE_FAILED, Localized(
                    f"Unknown command '{word}'.", f"'{word}' というコマンドはありません。"))
            path.append(word)
            command = child
    return tuple(path), rest


def command_words(argv: Sequence[str], root: Command) -> str | None:
    """The command the user meant (``config set``), as far as its words are known commands;
    None when not even the first is one."""
    return " ".join(_deepest(argv, root)[0]) or None


def named_command(argv: Sequence[str], root: Command) -> Command:
    """The command ``argv``'s leading words name (the root when none does)."""
    return _deepest(argv, root)[1]


def switch_letters(argv: Sequence[str], root: Command) -> set[str]:
    """The short flags that take no value for the command ``argv`` names (``-p`` is one for
    ``check``, where it takes no value, but not for ``connect``), and ``-h``."""
    command = named_command(argv, root)
    return {option.short for option in command.options + COMMON_OPTIONS
            if option.kind == "bool" and option.short} | {"h"}


def _deepest(argv: Sequence[str], root: Command) -> tuple[list[str], Command]:
    """The leading words that name commands, and the command they name."""
    path: list[str] = []
    command = root
    for word in argv:
        child = next((c for c in command.subcommands if c.name == word), None)
        if child is None:
            break
        path.append(word)
        command = child
    return path, command


def config_document(path: str) -> dict[str, Any]:
    """A --config file's keys and values as written, unchecked (AzcmError when it is no
    readable object)."""
    with open(path, "rb") as handle:
        raw = handle.read(CONFIG_FILE_LIMIT + 1)
    return _decode_config(path, _config_text(path, raw))


def _command_at(root: Command, path: tuple[str, ...]) -> Command:
    command = root
    for word in path:
        command = next(c for c in command.subcommands if c.name == word)
    return command


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help text at the terminal's width (``COLUMNS``, else 100), wrapped by words: argparse's own
    wrapping imports textwrap and its terminal probe imports shutil, which together cost more
    than the rest of ``azcmagent --help``."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=_help_width())

    def _split_lines(self, text: str, width: int) -> list[str]:
        lines: list[str] = []
        for word in text.split():
            if lines and len(lines[-1]) + 1 + len(word) <= width:
                lines[-1] += " " + word
            else:
                lines.append(word)
        return lines


def _help_width() -> int:
    import os

    columns = os.environ.get("COLUMNS", "")
    return max(60, int(columns) - 2) if columns.isdigit() else 100


class WideHelpFormatter(_HelpFormatter):
    """For Japanese, which has no spaces to break at: lines are wrapped by display width (a
    wide character takes two columns) wherever Japanese line-breaking rules allow, and the
    description, one line per paragraph, is wrapped too. ``usage_prefix`` replaces "usage: "."""

    usage_prefix = "usage: "

    def _format_usage(self, usage: str | None, actions: Any, groups: Any,
                      prefix: str | None) -> str:
        # argparse aligns continuation lines by len(prefix): lay the usage out behind spaces as
        # wide as the prefix looks, then put the prefix in their place.
        width = display_width(self.usage_prefix)
        text = super()._format_usage(usage, actions, groups, " " * width)
        return self.usage_prefix + text[width:]

    def _split_lines(self, text: str, width: int) -> list[str]:
        return _wrap_wide(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = [wrapped for line in text.splitlines() for wrapped in _wrap_hanging(line, width)]
        return "\n".join(indent + line for line in lines)


# Japanese line breaking (kinsoku): no line starts with the first set or ends with the second.
_NO_LINE_START = frozenset("、。，．・：；？！）」』】〕〉》ー"
                           "ぁぃぅぇぉっゃゅょァィゥェォッャュョ)]}.,:;!?")
_NO_LINE_END = frozenset("（「『【〔〈《([{")


def _is_wide(char: str) -> bool:
    from unicodedata import east_asian_width  # only wide-text help needs it

    return east_asian_width(char) in ("W", "F")


def _is_katakana(char: str) -> bool:
    return "\u30a0" <= char <= "\u30ff"


def display_width(text: str) -> int:
    return sum(2 if _is_wide(char) else 1 for char in text)


def _wrap_hanging(line: str, width: int) -> list[str]:
    """One line of a description: a command listing's summary wraps under its own column;
    lines of plain ASCII (example command lines) stay whole, as in the English help."""
    import re

    if line.isascii() or display_width(line) <= width:
        return [line]
    listing = re.match(r" +\S+ {2,}", line)  # "  check       Check connectivity..."
    head = listing.group() if listing else ""
    first, *rest = _wrap_wide(line[len(head):], width - len(head))
    return [head + first, *(" " * len(head) + more for more in rest)]


def _wrap_wide(text: str, width: int) -> list[str]:
    """Greedy wrapping by display width; a 'quoted command' is never split."""
    import re

    lines: list[str] = []
    for word in re.findall(r"'[^']*'\S*|\S+", text):
        for index, unit in enumerate(_break_units(word)):
            joined = (lines[-1] + (" " if index == 0 else "") + unit) if lines else unit
            if lines and display_width(joined) <= width:
                lines[-1] = joined
            else:
                lines.append(unit)
    return lines or [""]


def _break_units(word: str) -> list[str]:
    """A word without spaces, cut where a line may break: next to a wide character, unless
    the kinsoku rules forbid it. Runs of narrow characters (names, flags, URLs) and of katakana
    (one loanword: Microsoft's style puts a space between the words of a compound) stay whole."""
    from itertools import pairwise

    units = [word[:1]]
    for before, char in pairwise(word):
        breaks = (_is_wide(before) or _is_wide(char)) and before not in _NO_LINE_END \
            and char not in _NO_LINE_START and not (_is_katakana(before) and _is_katakana(char))
        if breaks:
            units.append(char)
        else:
            units[-1] += char
    return units


class HelpTexts:
    """The words of the help: the table's English. ``table_ja.JapaneseTexts`` gives them in
    Japanese. ``path`` is the command path as typed: "config set", or "" for azcmagent."""

    formatter: type[_HelpFormatter] = _HelpFormatter

    def heading(self, english: str) -> str:
        return english

    def summary(self, path: str, command: Command) -> str:
        return command.summary

    def description(self, path: str, command: Command) -> str:
        return command.description or command.summary

    def option(self, path: str, option: Option) -> str:
        return option.help

    def positional(self, path: str, positional: Positional) -> str:
        return positional.help


_ENGLISH = HelpTexts()


def _help_text(parser: _Parser, command: Command, path: tuple[str, ...], lang: str) -> str:
    if lang == "ja":
        from cmagent.agent.table_ja import JapaneseTexts  # only Japanese help needs it

        parser = _parser_for(command, path, JapaneseTexts())
    return parser.format_help()


def _description(command: Command, path: tuple[str, ...], texts: HelpTexts) -> str:
    text = texts.description(" ".join(path), command)
    if not command.subcommands:
        return text
    width = max(len(sub.name) for sub in command.subcommands) + 2
    listing = [f"  {sub.name:<{width}}{texts.summary(' '.join((*path, sub.name)), sub)}"
               for sub in command.subcommands]
    return "\n".join([text, "", texts.heading("Commands:"), *listing])


def _epilog(command: Command, texts: HelpTexts) -> str | None:
    if not command.examples:
        return None
    return "\n".join([texts.heading("Examples:"), *(f"  {e}" for e in command.examples)])


def _parser_for(command: Command, path: tuple[str, ...], texts: HelpTexts = _ENGLISH) -> _Parser:
    prog = " ".join(("azcmagent", *path))
    parser = _Parser(prog=prog, description=_description(command, path, texts),
                     epilog=_epilog(command, texts),
                     usage=f"{prog} <command> [flags]" if command.subcommands else None,
                     add_help=False, exit_on_error=False, allow_abbrev=False,
                     formatter_class=texts.formatter)
    _add_arguments(parser, command, " ".join(path), texts)
    return parser


def _add_arguments(parser: _Parser, command: Command, path: str, texts: HelpTexts) -> None:
    # Positionals go in a group of our own, as flags do, so that its heading can be translated.
    if command.positionals:
        group = parser.add_argument_group(texts.heading("positional arguments"))
        for positional in command.positionals:
            group.add_argument(positional.dest, metavar=positional.name,
                               help=texts.positional(path, positional),
                               nargs="*" if positional.many else "?", default=argparse.SUPPRESS)
    if command.options:
        _add_options(parser.add_argument_group(texts.heading("Flags")), command.options, path,
                     texts)
    _add_options(parser.add_argument_group(texts.heading("Common flags")), COMMON_OPTIONS, path,
                 texts)
    parser.add_argument_group(texts.heading("Help")).add_argument(
        "-h", "--help", action="store_true", default=argparse.SUPPRESS,
        help=texts.heading("Show help for this command."))


def _add_options(group: Any, options: Sequence[Option], path: str, texts: HelpTexts) -> None:
    for option in options:
        names = [f"-{option.short}"] if option.short else []
        names.append(option.flag)
        if option.kind == "bool":
            group.add_argument(*names, dest=option.dest, action="store_true",
                               help=texts.option(path, option), default=argparse.SUPPRESS)
            group.add_argument(f"{option.flag}=false", dest=option.dest, action="store_false",
                               help=argparse.SUPPRESS, default=argparse.SUPPRESS)
        else:
            group.add_argument(*names, dest=option.dest, help=texts.option(path, option),
                               metavar=option.metavar or option.name.upper().replace("-", "_"),
                               default=argparse.SUPPRESS)


def _layer(command: Command, given: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Command line over config file over defaults; returns the values and where each came from."""
    options = command.options + COMMON_OPTIONS
    sources = {key: "command line" for key in given}
    merged = dict(given)
    if given.get("config") is not None:  # ("": a variable that was empty, not no file)
        content = _read_config_file(given["config"], options, command.config_ignores)
        for key, value in content.items():
            if key not in merged:
                merged[key] = value
                sources[key] = "config file"
    for option in options:
        if option.dest not in merged:
            merged[option.dest] = False if option.kind == "bool" else option.default
    for positional in command.positionals:
        merged.setdefault(positional.dest, [] if positional.many else None)
    return merged, sources


CONFIG_FILE_LIMIT = 1024 * 1024


def _read_config_file(path: str, options: Sequence[Option],
                      ignored: tuple[str, ...] = ()) -> dict[str, Any]:
    if not path:
        raise AzcmError(codes.CONFIG_FILE_NOT_FOUND, Localized(
            "--config was given no file name (an empty variable?).",
            "--config にファイル名が指定されていません (空の変数ではありませんか?)。"))
    try:
        with open(path, "rb") as handle:
            raw = handle.read(CONFIG_FILE_LIMIT + 1)  # (not all of /dev/zero)
    except OSError as error:
        raise AzcmError(codes.CONFIG_FILE_NOT_FOUND, Localized(
            f"--config {path} cannot be read.", f"--config {path} を読み取れません。"),
            quoted=error.strerror or str(error)) from None
    if len(raw) > CONFIG_FILE_LIMIT:
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            f"--config {path}: larger than {CONFIG_FILE_LIMIT // 1024} KiB; a flags file is "
            "a few lines.",
            f"--config {path}: {CONFIG_FILE_LIMIT // 1024} KiB を超えています。フラグのファイルは"
            "数行です。"))
    content = _decode_config(path, _config_text(path, raw))
    known = {o.name: o for o in options if o.name not in _NOT_IN_CONFIG_FILE}
    values: dict[str, Any] = {}
    for key, value in content.items():
        option = known.get(str(key))
        if option is None and key in ignored:
            continue
        if option is None:
            raise AzcmError(codes.INVALID_ARGUMENT, Localized(
                f"--config {path}: key '{key}' is not a flag of this command (keys are its "
                "long flag names without '--').",
                f"--config {path}: キー '{key}' はこのコマンドのフラグではありません (キーには、"
                "このコマンドの長いフラグ名を '--' を除いて指定します)。",
            ), remedy="unknown-name")
        values[option.dest] = _config_value(path, option, value)
    return values


def _config_text(path: str, raw: bytes) -> str:
    """UTF-8, with or without a BOM, or UTF-16 with its BOM (as Windows editors save)."""
    encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            f"--config {path}: not UTF-8 text (save it as UTF-8).",
            f"--config {path}: UTF-8 のテキストではありません (UTF-8 で保存してください)。"),
            quoted=str(error)) from None


def _decode_config(path: str, text: str) -> dict[str, Any]:
    """A .json file is JSON (a mistake in it is named, not read again as YAML); any other
    file is JSON or else YAML. A key given twice and YAML aliases are refused."""
    from cmagent.documents import strict_json

    try:
        content = strict_json(text)
    except ValueError as error:
        if path.lower().endswith(".json"):
            raise _not_json(path, error) from None
        content = _decode_yaml(path, text)
    except RecursionError:
        raise _too_deep(path) from None
    if not isinstance(content, dict):
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            f"--config {path}: the file must hold one flat object of flag names and values.",
            f"--config {path}: ファイルにはフラグ名と値のフラットなオブジェクトを 1 つ記述して"
            "ください。",
        ))
    return content


def _not_json(path: str, error: ValueError) -> AzcmError:
    line, column = getattr(error, "lineno", None), getattr(error, "colno", None)
    where = Localized(f" (line {line}, column {column})", f" ({line} 行目、{column} 列目)") \
        if line else Localized("", "")
    reason = getattr(error, "msg", None) or str(error)  # (json's own words name no value)
    return AzcmError(codes.INVALID_ARGUMENT, Localized(
        f"--config {path}: not valid JSON{where.en}.",
        f"--config {path}: 有効な JSON ではありません{where.ja}。"), quoted=reason)


def _too_deep(path: str) -> AzcmError:
    return AzcmError(codes.INVALID_ARGUMENT, Localized(
        f"--config {path}: nested too deeply; a flags file is one flat object.",
        f"--config {path}: 入れ子が深すぎます。フラグのファイルはフラットなオブジェクト 1 つ"
        "です。"))


def _decode_yaml(path: str, text: str) -> Any:
    import yaml  # only config files need YAML; keep it off the start-up path

    from cmagent.documents import strict_yaml

    try:
        return strict_yaml(text)
    except RecursionError:
        raise _too_deep(path) from None
    except yaml.YAMLError as error:
        where = _yaml_position(error)  # never the offending line: it may hold a secret
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            f"--config {path}: neither valid JSON nor valid YAML{where.en}.",
            f"--config {path}: 有効な JSON でも YAML でもありません{where.ja}。",
        ), quoted=_without_tokens(getattr(error, "problem", None))) from None


def _without_tokens(problem: str | None) -> str | None:
    """YAML's problem without the words it quotes from the file (``found undefined alias
    'X'``: X may be a secret); a quoted character such as ':' or '\\t' stays."""
    import re

    if not problem or problem.startswith("the key "):  # (a key's name is no secret)
        return problem
    return re.sub(r"'[^']{4,}'", "'…'", problem)


def _yaml_position(error: Exception) -> Localized:
    mark = getattr(error, "problem_mark", None)
    if mark is None:
        return Localized("", "")
    line, column = mark.line + 1, mark.column + 1
    return Localized(f" (line {line}, column {column})", f" ({line} 行目、{column} 列目)")


def _config_value(path: str, option: Option, value: Any) -> Any:
    """The value as the flag takes it. A number for a text flag is refused: YAML reads 0755 as
    493 and 1.10 as 1.1, so it would not be what was written."""
    if option.kind == "bool" and isinstance(value, bool):
        return value
    if option.name == "tags" and isinstance(value, dict):
        return _tags_text(path, value)
    text = isinstance(value, str) and option.kind != "bool"
    number = option.kind == "int" and isinstance(value, int) and not isinstance(value, bool)
    if text or number:
        return str(value)
    expected = Localized("true or false", "true か false") if option.kind == "bool" \
        else Localized("a number", "数値") if option.kind == "int" else Localized(
            "a text value in quotes (\"0755\", not 0755: a bare number loses its form)",
            "引用符で囲んだテキスト値 (0755 ではなく \"0755\"。引用符のない数値は元の形を"
            "失います)")
    raise AzcmError(codes.INVALID_ARGUMENT, Localized(
        f"--config {path}: key '{option.name}' must be {expected.en}.",
        f"--config {path}: キー '{option.name}' の値は{expected.ja}である必要があります。",
    ))


def _tags_text(path: str, tags: dict[Any, Any]) -> str:
    """Tags written as a mapping in a --config file, as --tags takes them on the command line
    (each name and value escaped, so that ',', '=' and quotes in them stay theirs; spaces
    around them go, as on the command line)."""
    if not all(isinstance(part, str) for pair in tags.items() for part in pair):
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            f"--config {path}: every tag name and value under 'tags' must be text in quotes.",
            f"--config {path}: 'tags' のタグ名と値は、すべて引用符で囲んだテキストである必要が"
            "あります。"))

    def escaped(text: str) -> str:
        return "".join("\\" + c if c in "\\,='" else c for c in text)

    return ",".join(f"{escaped(name)}={escaped(value)}" for name, value in tags.items())


def _check(command: Command, options: dict[str, Any]) -> None:
    for option in command.options:
        value = options.get(option.dest)
        if option.required and value in (None, ""):
            raise AzcmError(codes.MISSING_PARAMETER, option.flag)
        if value not in (None, "", False):
            options[option.dest] = _checked_value(option, value)
    for positional in command.positionals:
        if positional.required and not options.get(positional.dest):
            raise AzcmError(codes.MISSING_PARAMETER, f"<{positional.name}>")


def _checked_value(option: Option, value: Any) -> Any:
    if option.choices:
        match = next((c for c in option.choices if c.lower() == str(value).lower()), None)
        if match is None:
            raise AzcmError(codes.INVALID_ARGUMENT, Localized(
                f"{option.flag}={value!r}: allowed values are {', '.join(option.choices)}.",
                f"{option.flag}={value!r}: 指定できる値は {'、'.join(option.choices)} です。"))
        return match
    if option.kind == "int":
        try:
            return int(value)
        except ValueError:
            raise AzcmError(codes.INVALID_ARGUMENT, Localized(
                f"{option.flag}={value!r}: a whole number is expected.",
                f"{option.flag}={value!r}: 整数を指定してください。")) from None
    return value
