"""The Open Referral UK import's form: the file and the category of services whose file names none."""

from __future__ import annotations

from django import forms

from commonweal.communities.models import Category
from commonweal.core.forms import NHSUKFormMixin, radio_field


class ImportForm(NHSUKFormMixin, forms.Form):
    file = forms.FileField(
        label="The Open Referral UK file",
        help_text="JSON (the directory's /services answer, or a list of services) or the data package's zip of "
        "CSV files (organizations.csv, services.csv, locations.csv, taxonomies.csv, ...). At most 20 MB.",
        error_messages={"required": "Choose the Open Referral UK file to import"},
    )
    default_category = radio_field(
        "Category of services the file does not put in one",
        Category.choices,
        required="Choose a category for services the file does not put in one",
        help_text="A service with a taxonomy term of the ABCD vocabulary keeps that category.",
        initial=Category.INSTITUTIONS,
    )
