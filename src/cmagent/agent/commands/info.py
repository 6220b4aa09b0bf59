"""``version``, ``license`` and ``help``: the commands that only print."""

from __future__ import annotations

from cmagent import __version__
from cmagent.agent import cli
from cmagent.agent.main import Context
from cmagent.agent.options import HelpOptions
from cmagent.agent.options import NoOptions
from cmagent.agent.output import Result

LICENSE = """\
cmagent — an open implementation of the Azure Connected Machine agent.

MIT License

Copyright (c) 2026 the cmagent authors

Permission is hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files (the "Software"), to deal in the Software without
restriction, including without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.

cmagent is not affiliated with Microsoft. Azure and Azure Arc are trademarks of Microsoft.
"""


def version(context: Context[NoOptions]) -> Result:
    return Result(__version__, {"version": __version__})


def license_text(context: Context[NoOptions]) -> Result:
    return Result(LICENSE, {"license": "MIT", "text": LICENSE})


def help_text(context: Context[HelpOptions]) -> Result:
    from cmagent.agent.table import ROOT

    words = list(context.options.command)
    invocation = cli.parse([*words, "--help"], ROOT, context.env.lang)
    return Result(invocation.help_text, {"command": " ".join(invocation.path),
                                         "help": invocation.help_text})
