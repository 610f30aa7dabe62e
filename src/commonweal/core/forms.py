"""Forms in the NHS.UK design system.

:class:`NHSUKFormMixin` gives every widget the NHS.UK classes, marks fields in error and ties each input to
its hint and error message (``aria-describedby``), so a template renders a field with
``{% include "core/forms/field.html" with field=form.name %}`` and the error summary with
``{% include "core/forms/error_summary.html" %}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from commonweal.core.errors import InvalidInput
from commonweal.core.text import clean_text

# The NHS.UK class of each Django widget type (``BoundField.widget_type``).
_WIDGET_CLASSES = {
    "text": "nhsuk-input",
    "email": "nhsuk-input",
    "number": "nhsuk-input",
    "password": "nhsuk-input",
    "url": "nhsuk-input",
    "date": "nhsuk-input",
    "textarea": "nhsuk-textarea",
    "select": "nhsuk-select",
    "selectmultiple": "nhsuk-select",
    "checkbox": "nhsuk-checkboxes__input",
    "radioselect": "nhsuk-radios__input",
    "checkboxselectmultiple": "nhsuk-checkboxes__input",
    "clearablefile": "nhsuk-file-upload__input",
    "file": "nhsuk-file-upload__input",
}
_ERROR_CLASSES = {
    "nhsuk-input": "nhsuk-input--error",
    "nhsuk-textarea": "nhsuk-textarea--error",
    "nhsuk-select": "nhsuk-select--error",
    "nhsuk-file-upload__input": "nhsuk-file-upload__input--error",
}


class NHSUKBoundField(BoundField):
    """A bound field that renders with NHS.UK classes and accessible descriptions."""

    @property
    def hint_id(self) -> str:
        return f"{self.auto_id}-hint"

    @property
    def error_id(self) -> str:
        return f"{self.auto_id}-error"

    @property
    def is_group(self) -> bool:
        """Radios and multiple checkboxes sit in a fieldset with a legend."""
        return self.widget_type in ("radioselect", "checkboxselectmultiple")

    @property
    def anchor(self) -> str:
        """Where the error summary links to: the field's first input."""
        return f"{self.auto_id}_0" if self.is_group else str(self.auto_id)

    @property
    def describedby(self) -> str:
        ids = []
        if self.help_text:
            ids.append(self.hint_id)
        if self.errors:
            ids.append(self.error_id)
        return " ".join(ids)

    def build_widget_attrs(self, attrs: dict[str, Any], widget: Any = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        base = _WIDGET_CLASSES.get(self.widget_type, "")
        classes = [c for c in (base, attrs.get("class", "")) if isinstance(c, str) and c]
        if self.errors and base in _ERROR_CLASSES:
            classes.append(_ERROR_CLASSES[base])
        if classes:
            attrs["class"] = " ".join(dict.fromkeys(" ".join(classes).split()))
        # Inputs in a fieldset are described by the fieldset; the others by their own hint and error.
        if not self.is_group and self.describedby:
            attrs["aria-describedby"] = self.describedby
        else:
            attrs.pop("aria-describedby", None)
        return attrs


class CleanTextMixin:
    """Mix into a form so that every text field's input is cleaned by :func:`commonweal.core.text.clean_text`
    before the form validates it (a textarea keeps its line breaks): "required", length limits, the actions and
    the database all see text without control or invisible characters. Passwords are left exactly as typed.
    Every form of the site has it, through :class:`NHSUKFormMixin` or directly."""

    def full_clean(self) -> None:
        form: Any = self
        if form.is_bound:
            form.data = clean_text_inputs(form.data, form.fields, form.add_prefix)
        super().full_clean()  # type: ignore[misc]


class NHSUKFormMixin(CleanTextMixin):
    """Mix into a ``forms.Form`` or ``forms.ModelForm`` to render it in the NHS.UK design system (and to clean
    its text inputs: :class:`CleanTextMixin`)."""

    bound_field_class: type[BoundField] | None = NHSUKBoundField
    # The error summary and the messages say what is wrong; the browser's own bubbles would not.
    use_required_attribute = False
    error_summary_title: StrOrPromise = gettext_lazy("There is a problem")

    def error_list(self) -> list[dict[str, str]]:
        """Every error in the form's order, each with the anchor of the field it is about."""
        form: Any = self
        items = [{"anchor": "", "message": str(m)} for m in form.non_field_errors()]
        for name in form.fields:
            bound = form[name]
            items.extend({"anchor": bound.anchor, "message": str(m)} for m in bound.errors)
        return items


def _is_text(field: forms.Field) -> bool:
    # A password is compared as typed: cleaning it would lock out whoever chose one with such characters.
    return isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput)


def clean_text_inputs(data: Any, fields: dict[str, forms.Field], prefixed: Callable[[str], str]) -> Any:
    """A copy of a form's ``data`` with the value of every text field cleaned (the one text clean-up,
    :func:`commonweal.core.text.clean_text`; multi-line for a textarea). Other fields are left alone."""
    cleaned = data.copy() if hasattr(data, "copy") else dict(data)
    for name, field in fields.items():
        key = prefixed(name)
        if not _is_text(field) or key not in cleaned:
            continue
        multiline = isinstance(field.widget, forms.Textarea)
        if isinstance(cleaned, MultiValueDict):  # a QueryDict: every value of the key
            cleaned.setlist(key, [clean_text(v, multiline=multiline) for v in cleaned.getlist(key)])
        else:
            cleaned[key] = clean_text(cleaned[key], multiline=multiline)
    return cleaned


def apply_errors(form: forms.Form, exc: InvalidInput) -> None:
    """Put an action's :class:`InvalidInput` on the form's fields, so the page shows them where they belong."""
    fields = (exc.detail or {}).get("fields") if isinstance(exc.detail, dict) else None
    if not fields:
        form.add_error(None, exc.message)
        return
    for item in fields:
        name = item.get("field")
        form.add_error(name if name in form.fields else None, item.get("problem") or exc.message)


def text_field(
    label: str,
    *,
    max_length: int | None = None,
    required: str = "",
    too_long: str = "",
    help_text: str = "",
    rows: int = 0,
    attrs: dict[str, str] | None = None,
) -> forms.CharField:
    """A text box, or a text area of ``rows`` lines, the house's way: ``required`` is what a person is told when
    they leave it empty (without it the field is optional) and ``too_long`` what they are told past
    ``max_length``. ``attrs`` go on the input (a width class, ``spellcheck``)."""
    messages = {key: text for key, text in (("required", required), ("max_length", too_long)) if text}
    widget = forms.Textarea(attrs={"rows": rows, **(attrs or {})}) if rows else forms.TextInput(attrs=attrs)
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=bool(required),
        help_text=help_text,
        error_messages=messages,
        widget=widget,
    )


def radio_field(
    label: str, choices: Any, *, required: str, help_text: str = "", initial: Any = None
) -> forms.ChoiceField:
    """Radio buttons of which one must be chosen; ``required`` says so when none is."""
    return forms.ChoiceField(
        label=label,
        choices=choices,
        initial=initial,
        help_text=help_text,
        widget=forms.RadioSelect,
        error_messages={"required": required},
    )
