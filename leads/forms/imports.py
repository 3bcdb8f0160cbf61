"""The form of a file import's upload, on the import page and in the admin. It checks the shape
of the input; leads/services/imports.py reads the file and decides the rest."""

from django import forms
from django.utils.translation import gettext_lazy

from leads.models import Source


class ImportUploadForm(forms.Form):
    source = forms.ModelChoiceField(
        label=gettext_lazy("Source"), queryset=Source.objects.filter(is_active=True),
        help_text=gettext_lazy("Every lead of the file is recorded as coming from this source."))
    file = forms.FileField(
        label=gettext_lazy("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
        help_text=gettext_lazy("CSV (UTF-8 or GB18030) or Excel .xlsx (the first sheet)."))
