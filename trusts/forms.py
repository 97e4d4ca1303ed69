"""The trust admin's page of the trust's rules for its schools' settings (accounts.trust_rules)."""

import copy

from django import forms
from django.core.exceptions import ValidationError

from accounts import trust_rules
from accounts.models import School, Trust

YES_NO_NO_RULE = [("", "No rule: each school decides"), ("true", "Yes"), ("false", "No")]


class TrustRulesForm(forms.ModelForm):
    class Meta:
        model = Trust
        fields = [name for rule in trust_rules.RULES for name in (rule.setting, rule.locked)]
        help_texts = {
            "late_call_minutes": "A school may alert sooner, never later. Empty: no trust rule.",
            "office_chase_minutes": "A school may chase sooner, never later. Empty: no trust rule.",
            "checkin_interval_minutes": "On every visit, whatever its risk: a school may ask for check-ins more "
                                        "often, never less. Empty: no trust rule.",
            "lone_visits_allowed": "No: no school of the trust may approve a visit by one person. Yes: each "
                                   "school may, or may refuse them.",
            "pin_to_end_visit": "Yes: every school asks for the safety PIN to end a visit. No: each school decides.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for rule in trust_rules.RULES:
            if rule.stricter != trust_rules.FEWER_MINUTES:
                self.fields[rule.setting] = forms.NullBooleanField(
                    label=self.fields[rule.setting].label, help_text=self.fields[rule.setting].help_text,
                    required=False, widget=forms.Select(choices=YES_NO_NO_RULE))

    def clean(self):
        data = super().clean()
        for rule in trust_rules.RULES:
            if data.get(rule.locked) and data.get(rule.setting) is None and rule.setting not in self.errors:
                self.add_error(rule.locked, "Give the trust's value first: there is nothing to lock.")
        late, chase = data.get("late_call_minutes"), data.get("office_chase_minutes")
        if late is not None and chase is not None and chase <= late:
            self.add_error("office_chase_minutes", "The office chase must come after the first alert.")
        if not self.errors:
            self._check_schools(data)
        return data

    def _check_schools(self, data):
        """Each school of the trust, brought within the new rules, must still keep its own (the office
        chase after the first alert...): otherwise nothing is saved, and the page says which school."""
        rules = copy.copy(self.instance)  # the instance takes the form's values only after clean()
        for name in self.Meta.fields:
            setattr(rules, name, data.get(name))
        for school in School.objects.filter(trust=self.instance).order_by("name"):
            trial = copy.copy(school)
            trial.trust = rules
            trust_rules.tighten(trial, rules)
            try:
                trial.clean()
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    target = field if field in self.fields else None
                    for message in messages:
                        self.add_error(target, f"{school.name}: {message}")
