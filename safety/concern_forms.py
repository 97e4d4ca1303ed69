from django import forms

from .models import ConcernStatus


class ConcernForm(forms.Form):
    details = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}), max_length=8000,
        help_text="What you saw or heard, when, and who said it, in the words used. "
                  "Only the DSL and the head of school can read it.")


class ConcernUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=ConcernStatus.choices)
    cpoms_reference = forms.CharField(label="CPOMS reference", max_length=50, required=False)
    dsl_notes = forms.CharField(label="DSL notes", widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                max_length=4000)

