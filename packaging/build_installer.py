"""Render ``install_linux_azcmagent.sh`` from its template and the AZCM catalogue: each
installer code's message, cause and remedy in English and Japanese come from the one catalogue
that drives the agent's own messages (``scripts/build-repo`` puts the script beside the
repository, where the cloud serves it as ``gbl.his.arc.azure.com/azcmagent-linux``)."""

from __future__ import annotations

from pathlib import Path

from cmagent.errors import catalogue

TEMPLATE = Path(__file__).resolve().parent / "install_linux_azcmagent.sh.in"
CODES = (127, 128, 129, 130, 131, 132, 133, 141, 142, 143, 145, 146, 147, 150, 157)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _messages() -> str:
    by_code = {entry.code: entry for entry in catalogue.ENTRIES}
    lines = ["message() {  # message CODE: its message, cause and remedy, in the user's language",
             '    case "${LC_ALL:-${LC_MESSAGES:-${LANG:-}}}" in ja_*|ja) lang=ja ;; '
             "*) lang=en ;; esac",
             '    case "$lang:$1" in']
    for code in CODES:
        for language in ("en", "ja"):
            texts = by_code[code].texts(language)
            cause, remedy = ("原因: ", "対処: ") if language == "ja" else ("Cause: ", "Remedy: ")
            body = "\n".join([texts.message, cause + texts.cause, remedy + texts.remedy])
            lines.append(f"        {language}:{code}) printf '%s\\n' {_quoted(body)} ;;")
    lines += ["        *) printf '%s\\n' 'The installation failed.' ;;", "    esac", "}"]
    return "\n".join(lines)


def render() -> str:
    return TEMPLATE.read_text().replace("@MESSAGES@", _messages())


if __name__ == "__main__":
    print(render(), end="")
