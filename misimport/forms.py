from django import forms

from . import columns, reading


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds", choices=columns.KINDS,
                             initial=columns.PUPILS)
    source = forms.ChoiceField(label="Exported from", choices=columns.SOURCES, initial=columns.SIMS,
                               help_text="The columns are matched by their headings; you can check and change the "
                                         "matching before anything is imported.")
    file = forms.FileField(label="The export (CSV or Excel .xlsx)",
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            reading.file_format(upload.name)
        except reading.ReadError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if upload.size > reading.max_bytes():
            raise forms.ValidationError(
                f"The file is larger than {reading.max_bytes() // (1024 * 1024)} MB: export only the columns "
                "Home Visits needs, or split the file.")
        return upload


NOT_IN_FILE = ""


class MappingForm(forms.Form):
    """For each of our fields, which of the file's columns holds it (or none)."""

    def __init__(self, *args, kind, headings, initial_mapping, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        choices = [(NOT_IN_FILE, "— not in this file —")] + [(h, h) for h in headings if h]
        for column in columns.columns_for(kind):
            self.fields[column.key] = forms.ChoiceField(
                label=column.label + (" (needed)" if column.required else ""), choices=choices, required=False,
                initial=initial_mapping.get(column.key, NOT_IN_FILE))

    def clean(self):
        data = super().clean()
        mapping = {k: v for k, v in data.items() if v}
        used = {}
        for key, heading in mapping.items():
            if heading in used:
                self.add_error(key, f"The column “{heading}” is already chosen for "
                                    f"{self.fields[used[heading]].label.lower()}.")
            used.setdefault(heading, key)
        for column in columns.missing_required(self.kind, mapping):
            if column.key in self.fields:
                self.add_error(column.key, f"Choose the column that holds the {column.label.lower()}.")
            else:
                self.add_error(None, f"Choose the column that holds the {column.label}.")
        self.mapping = mapping
        return data
