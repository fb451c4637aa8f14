"""The form renderer: Django's, with its plainest templates written out in Python.

Rendering a form field through Django's widget templates costs a template include per attribute
list; the reader's comment form on every article page spent more time there than in its SQL.
The templates below (input, textarea, label) are simple enough to build with the same escaping
rules directly; every other template, the admin's included, still goes through Django's engine,
and the output is the same markup (tested against Django's own templates).
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape

_INPUT_TEMPLATES = {
    f"django/forms/widgets/{kind}.html"
    for kind in (
        *("input", "text", "email", "hidden", "number", "url", "password", "search", "tel"),
        *("date", "datetime", "time", "color", "file", "checkbox"),
    )
}
_OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict | None) -> str:
    """django/forms/attrs.html: True is a bare attribute, False is left out (and so is None)."""
    parts = []
    for name, value in (attrs or {}).items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {name}")
        else:
            parts.append(f' {name}="{conditional_escape(str(value))}"')
    return "".join(parts)


def _input(context: dict) -> str:
    widget = context["widget"]
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
    kind, name = conditional_escape(widget["type"]), conditional_escape(widget["name"])
    return f'<input type="{kind}" name="{name}"{shown}{_attrs(widget["attrs"])}>'


def _textarea(context: dict) -> str:
    widget = context["widget"]
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    name = conditional_escape(widget["name"])
    return f'<textarea name="{name}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _option(option: dict) -> str:
    # Ends with the newline that ends Django's template file (it is included, not stripped).
    value = conditional_escape(str(option["value"]))
    label = conditional_escape(option["label"])
    return f'<option value="{value}"{_attrs(option["attrs"])}>{label}</option>\n'


def _select(context: dict) -> str | None:
    widget = context["widget"]
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            if option["template_name"] != _OPTION_TEMPLATE:
                return None  # a widget of its own: Django's templates render it
            parts.append(f"\n  {_option(option)}")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _label(context: dict) -> str:
    label = conditional_escape(context["label"])
    if not context["use_tag"]:
        return label
    tag = conditional_escape(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{label}</{tag}>"


_BUILDERS = {
    **dict.fromkeys(_INPUT_TEMPLATES, _input),
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
    "django/forms/label.html": _label,
}


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        build = _BUILDERS.get(template_name)
        html = build(context) if build is not None else None
        if html is None:
            return super().render(template_name, context, request=request)
        return html.strip()
