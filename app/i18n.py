"""Translatable messages: marked in Python with N_/Msg, translated when a page shows them."""

from __future__ import annotations

from datetime import timezone

from babel import Locale
from babel.dates import format_date, format_time, format_timedelta
from babel.numbers import format_decimal
from jinja2 import pass_context


def N_(message: str) -> str:
    """Mark a string for extraction into the catalogs; it is translated where it is shown."""
    return message


class Msg(str):
    """An English message with parameters that a page can still translate.

    It is a plain str (so JSON answers and logs read naturally) that remembers its msgid.
    """

    msgid: str
    params: dict

    def __new__(cls, msgid: str, **params):
        text = super().__new__(cls, msgid % params if params else msgid)
        text.msgid = msgid
        text.params = params
        return text


class PluralMsg(Msg):
    """A Msg whose wording depends on a count: "raised 1 flag" / "raised 3 flags".

    `num` is always among the parameters; pages pick the language's plural form with ngettext.
    """

    msgid_plural: str
    num: int

    def __new__(cls, singular: str, plural: str, num: int, **params):
        params = {"num": num, **params}
        text = str.__new__(cls, (singular if num == 1 else plural) % params)
        text.msgid = singular
        text.msgid_plural = plural
        text.num = num
        text.params = params
        return text


def nMsg(singular: str, plural: str, num: int, **params) -> PluralMsg:
    """Mark a counted message for extraction (singular and plural) and build it."""
    return PluralMsg(singular, plural, num, **params)


def _inner(translator, params: dict) -> dict:
    """Parameters that are messages themselves are translated too ("finds 7 of %(who)s")."""
    return {name: translate(translator, v) if isinstance(v, Msg) else v for name, v in params.items()}


def translate(translator, value) -> str:
    """Translate a message (plain, Msg or PluralMsg).

    `translator` is a translations object (gettext and ngettext) or a bare gettext callable; with
    a bare callable a PluralMsg keeps its English form, so pass the translations object.
    """
    if isinstance(value, PluralMsg):
        ngettext = getattr(translator, "ngettext", None)
        if ngettext is None:
            return str(value)
        return ngettext(value.msgid, value.msgid_plural, value.num) % _inner(translator, value.params)
    gettext = getattr(translator, "gettext", translator)
    if isinstance(value, Msg):
        translated = gettext(value.msgid)
        return translated % _inner(translator, value.params) if value.params else translated
    if isinstance(value, str):
        return gettext(value)
    return value


def template_callables(translations) -> dict:
    """gettext/ngettext/_ for templates, with Jinja's new-style %(name)s formatting and escaping.

    Values are escaped once each and formatted into the plain string (the same output as
    `Markup(text) % variables`, without markupsafe's per-argument helper objects); a message
    without variables or '%' is returned as it is.
    """
    from markupsafe import Markup, escape

    def _format(context, text, variables):
        if not context.eval_ctx.autoescape:
            return text % variables
        if not variables and "%" not in text:
            return Markup(text)
        return Markup(text % {name: value if isinstance(value, (int, float)) else escape(value) for name, value in variables.items()})

    @pass_context
    def gettext(context, message, **variables):
        return _format(context, translations.gettext(message), variables)

    @pass_context
    def ngettext(context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        return _format(context, translations.ngettext(singular, plural, num), variables)

    return {"gettext": gettext, "ngettext": ngettext, "_": gettext}


# ---------------------------------------------------------------- dates, times and numbers per locale
# Times are stored and shown in UTC (the site has one clock); only their wording follows the language.


def format_day(value, language: str) -> str:
    """A date in the language's medium form: "Dec 3, 2026", "03.12.2026", "3 dec 2026"."""
    return format_date(value, "medium", locale=language) if value else ""


def format_moment(value, language: str) -> str:
    """A date with hours and minutes, in UTC, in the language's medium form ("3 dec 2026 19:35")."""
    if not value:
        return ""
    pattern = Locale.parse(language).datetime_formats["medium"]
    time = format_time(value, "short", tzinfo=timezone.utc, locale=language)
    return pattern.replace("{1}", format_date(value.astimezone(timezone.utc), "medium", locale=language)).replace("{0}", time)


def format_number(value, language: str, digits: int | None = None) -> str:
    """A number with the language's separators ("1,234.5", "1.234,5"); `digits` fixes the decimals."""
    if value is None:
        return ""
    if digits is None:
        return format_decimal(value, locale=language)
    return format_decimal(value, format=f"#,##0.{'0' * digits}" if digits else "#,##0", locale=language)


def format_ago(value, now, language: str) -> str:
    """How long ago, in words ("3 hours ago", "vor 3 Stunden", "3 uur geleden")."""
    if not value:
        return ""
    return format_timedelta(value - now, granularity="minute", add_direction=True, locale=language)
