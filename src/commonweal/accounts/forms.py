"""Forms of the accounts pages (signing in, choosing a password, API tokens) and the username field other apps'
pages use to add a person by username. They parse what was typed; the rules that need the database are in actions.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation

from commonweal.core.forms import NHSUKFormMixin


class UsernameForm(NHSUKFormMixin, forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="The username of someone who already has an account on this site.",
        error_messages={"required": "Enter the person's username"},
        widget=forms.TextInput(
            attrs={"class": "nhsuk-input--width-20", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class LoginForm(NHSUKFormMixin, forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=150,
        error_messages={"required": "Enter your username"},
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=4096,
        error_messages={"required": "Enter your password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordChangeForm(NHSUKFormMixin, forms.Form):
    """Choose a new password: the current one, then the new one twice (checked by the password validators)."""

    current_password = forms.CharField(
        label="Current password",
        strip=False,
        help_text="The one you signed in with. If an administrator gave it to you, use that one.",
        error_messages={"required": "Enter your current password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label="New password",
        strip=False,
        help_text="At least 10 characters. Not a common password, and not like your username.",
        error_messages={"required": "Enter a new password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label="New password again",
        strip=False,
        error_messages={"required": "Enter the new password again"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_current_password(self) -> str:
        value: str = self.cleaned_data["current_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError("Your current password is not right: enter it again")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new, again = data.get("new_password"), data.get("new_password_again")
        if new and again and new != again:
            self.add_error(
                "new_password_again", "The two new passwords are different: type the same one twice"
            )
        elif new:
            try:
                password_validation.validate_password(new, self.user)
            except forms.ValidationError as exc:
                for message in exc.messages:
                    self.add_error("new_password", message.rstrip("."))
        if new and data.get("current_password") and new == data["current_password"]:
            self.add_error("new_password", "Choose a password different from your current one")
        return data


class TokenForm(NHSUKFormMixin, forms.Form):
    name = forms.CharField(
        label="Name of the new token",
        max_length=100,
        help_text="Where it will be used, such as 'Reporting script'.",
        error_messages={"required": "Give the token a name"},
    )
