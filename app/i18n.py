"""Translatable messages: marked in Python with N_/Msg, translated when a page shows them."""

from __future__ import annotations

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


def translate(gettext, value) -> str:
    """Translate a message (plain or Msg) with the given gettext."""
    if isinstance(value, Msg):
        translated = gettext(value.msgid)
        return translated % value.params if value.params else translated
    if isinstance(value, str):
        return gettext(value)
    return value


def template_callables(translations) -> dict:
    """gettext/ngettext/_ for templates, with Jinja's new-style %(name)s formatting and escaping."""
    from markupsafe import Markup

    def _autoescape(context, text):
        return Markup(text) if context.eval_ctx.autoescape else text

    @pass_context
    def gettext(context, message, **variables):
        return _autoescape(context, translations.gettext(message)) % variables

    @pass_context
    def ngettext(context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        return _autoescape(context, translations.ngettext(singular, plural, num)) % variables

    return {"gettext": gettext, "ngettext": ngettext, "_": gettext}
