"""Forms for families and visits. They check shape and input; the rules of a plan are checked by
visits.services.plan_errors() (called by save_plan), whose messages the views put beside the fields."""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms import inlineformset_factory
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.phone import validate_uk_phone
from accounts.validators import DateWithin
from accounts.working_for import works_at

from .localtime import combine_local
from .models import Carer, Child, Family, Hazard, RiskAssessment, SafetyChecklist, Transport, Visit
from .scoping import may_see_code_word, round_candidates, search_families, visible_families
from .validators import normalise_postcode

User = get_user_model()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def _no_form_tag_helper():
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


# --- Families ---------------------------------------------------------------------------------

class FamilyForm(forms.ModelForm):
    class Meta:
        model = Family
        fields = [
            "display_name", "address_line1", "address_line2", "town", "postcode", "phone", "phone_alt",
            "preferred_language", "interpreter_needed", "notes",
            "dangerous_animals", "animals_details", "previous_incidents", "people_not_to_be_present",
            "offer_status", "offer_status_date",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "previous_incidents": forms.Textarea(attrs={"rows": 2}),
            "people_not_to_be_present": forms.Textarea(attrs={"rows": 2}),
            "offer_status_date": DateInput(),
        }
        labels = {"offer_status": "Home visit offer", "offer_status_date": "Date of offer / answer"}  # R-OFFER

    def __init__(self, *args, school=None, may_share=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _no_form_tag_helper()
        self.helper.layout = Layout(
            Fieldset("Household", "display_name",
                     Div(Div("address_line1", css_class="col-md-6"), Div("address_line2", css_class="col-md-6"),
                         Div("town", css_class="col-md-6"), Div("postcode", css_class="col-md-6"), css_class="row"),
                     Div(Div("phone", css_class="col-md-6"), Div("phone_alt", css_class="col-md-6"), css_class="row"),
                     Div(Div("preferred_language", css_class="col-md-6"),
                         Div("interpreter_needed", css_class="col-md-6 pt-md-4"), css_class="row"),
                     "notes"),
            Fieldset("Known risks at the address",
                     "dangerous_animals", "animals_details", "previous_incidents", "people_not_to_be_present"),
            Fieldset("Visit offer",
                     Div(Div("offer_status", css_class="col-md-6"), Div("offer_status_date", css_class="col-md-6"),
                         css_class="row")),
        )
        if may_share and school is not None:
            # R-CONFIDENTIAL: visiting staff see the families of their visits, plus those the head shares.
            self.fields["shared_with"] = PeopleChoiceField(
                queryset=User.objects.filter(is_active=True, profile__school=school, groups__name=roles.VISITING_STAFF)
                .select_related("profile").order_by("first_name", "last_name"),
                required=False, widget=forms.CheckboxSelectMultiple, label="Also visible to",
                help_text="Visiting staff who may see this family before any visit is planned. "  # R-CONFIDENTIAL
                          "Staff on its visits see it anyway.",
                initial=[u.pk for u in self.instance.shared_with.all()] if self.instance.pk else [])
            self.helper.layout.append(Fieldset("Who may see this family", "shared_with"))

    def clean_postcode(self):
        return normalise_postcode(self.cleaned_data["postcode"])

    def clean(self):
        data = super().clean()
        # R-ANIMALS: say what the animals are, so the letter and the risk assessment can name them.
        if data.get("dangerous_animals") and not (data.get("animals_details") or "").strip():
            self.add_error("animals_details", "Say what the animals are.")
        # R-OFFER: an answer (or an offer) has a date.
        if data.get("offer_status") not in (None, "", "not_offered") and not data.get("offer_status_date"):
            self.add_error("offer_status_date", "Give the date of the offer or of the family's answer.")
        return data


class ChildForm(forms.ModelForm):
    class Meta:
        model = Child
        fields = ["first_name", "last_name", "date_of_birth", "class_name"]
        widgets = {"date_of_birth": DateInput()}


class CarerForm(forms.ModelForm):
    class Meta:
        model = Carer
        fields = ["name", "relationship", "phone", "parental_responsibility"]


ChildFormSet = inlineformset_factory(Family, Child, form=ChildForm, extra=1, can_delete=True)
CarerFormSet = inlineformset_factory(Family, Carer, form=CarerForm, extra=1, can_delete=True)


# --- Visits -----------------------------------------------------------------------------------

class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        job = getattr(getattr(obj, "profile", None), "job_title", "")
        name = obj.get_full_name() or obj.get_username()
        return f"{name} ({job})" if job else name


class ChildChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class FamilyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        where = ", ".join(p for p in [obj.address_line1, obj.postcode] if p)
        return f"{obj.display_name} · {where}" if where else obj.display_name


# Service error keys -> the form fields they belong beside.
PLAN_FIELD_MAP = {"planned_start": "start_time", "expected_return": "return_time", "staff": "other_staff",
                  "lead": "lead"}

# How many families one search offers (a school has hundreds; typing more narrows it).
FAMILY_RESULTS = 15
# The parts of the plan form that are drawn again as it is filled in (visits.views.plans.visit_form_part).
FORM_PARTS = ("family", "children", "other_staff")
# A visit is planned within two years of today (either way): beyond that it is a typing slip, and next
# to the ends of the calendar (9999-12-31) the times can't even be reckoned.
VISIT_DATE = DateWithin(back=2, ahead=2)


class VisitForm(forms.ModelForm):
    """A visit plan. Times are entered as local (Europe/London) wall-clock times.

    It scales to a real school: the family is found by typing (htmx posts to visit_form_part, which
    answers only with families the user may see), only the chosen family's children are listed, and
    "Going with" leaves out the lead. Without JavaScript the "Find" button does the same by reloading."""

    family_search = forms.CharField(
        label="Find the family", required=False, max_length=100,
        help_text="Type part of the family's name or postcode, then choose the family below.")
    date = forms.DateField(widget=DateInput(), validators=[VISIT_DATE])
    start_time = forms.TimeField(widget=TimeInput())
    return_time = forms.TimeField(label="Expected back at school", widget=TimeInput())
    lead = PersonChoiceField(queryset=User.objects.none(), label="Lead member of staff")
    other_staff = PeopleChoiceField(
        queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label="Going with", help_text="Besides the lead: at least two people go on every visit.",  # R-PAIR
    )
    children = ChildChoiceField(queryset=Child.objects.none(), required=False, widget=forms.CheckboxSelectMultiple)
    transport = forms.ChoiceField(
        choices=[("", "Choose how you will travel")] + Transport.choices,
        error_messages={"required": "Say how you will travel."})

    class Meta:
        model = Visit
        fields = [
            "family", "children", "purpose", "purpose_other", "announced", "unannounced_reason", "letter_sent_on",
            "duration_minutes", "starts_at_home", "ends_at_home", "address", "contact_phone", "transport",
            "vehicle_owner", "office_contact", "code_word", "info_gathered", "notes",
        ]
        field_classes = {"family": FamilyChoiceField}
        widgets = {"letter_sent_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 3}),
                   "announced": forms.RadioSelect(choices=[(True, "Announced: the family gets a letter"),
                                                           (False, "Unannounced")])}
        labels = {
            "announced": "Is the family told in advance?",  # R-INFORM
            "purpose": "Purpose of the visit",  # R-REASON
            "letter_sent_on": "Letter sent on",
            "duration_minutes": "Expected length (minutes)",
            "vehicle_owner": "Whose car",
            "code_word": "Code word",  # R-SAFEWORD
            "address": "Address of the visit",
            "starts_at_home": "Starting from home (not from school)",  # R-COMMUTE
            "ends_at_home": "Ending at home (not back at school)",  # R-COMMUTE
        }
        help_texts = {"address": "Leave empty to use the family's address.",
                      "starts_at_home": "On the way to work: the head of school must approve it.",
                      "ends_at_home": "On the way home from work: the head of school must approve it."}

    def __init__(self, *args, user, school, **kwargs):
        given = kwargs.get("initial") or {}
        super().__init__(*args, **kwargs)
        self.user, self.school = user, school
        self.fields["address"].required = False
        self.fields["announced"].required = False
        self.fields["duration_minutes"].widget.attrs.update(min=10, max=480, step=5)
        self.fields["return_time"].help_text = (
            "When you will be back at school (or, ending at home, when you will call in). The office is alerted "
            f"if you are not back {school.late_call_minutes} minutes after this.")  # R-LATE-15
        if school.dsl_may_clear_head_gates:
            for name in ("starts_at_home", "ends_at_home"):
                self.fields[name].help_text = self.fields[name].help_text.replace(
                    "the head of school must", "the head of school or the DSL must")
        families = visible_families(user)
        self.fields["family"].queryset = families
        # Their own staff and those of the trust's other schools who also work for this one.
        people = (User.objects.filter(works_at(school), is_active=True)
                  .select_related("profile").order_by("first_name", "last_name").distinct())
        self.fields["lead"].queryset = people
        self.fields["other_staff"].queryset = people
        self.fields["vehicle_owner"] = PersonChoiceField(
            queryset=people, required=False, label="Whose car",
            help_text="Its make, model, registration and colour come from their profile.")  # R-VEHICLE
        self.fields["office_contact"] = PersonChoiceField(  # R-RECORD
            queryset=people.filter(profile__school=school, groups__name=roles.OFFICE), required=False,
            label="Office contact",
            help_text="The named member of the office who tracks this visit.")
        if self.instance.pk:
            # The family of an existing visit (and so its risk assessment) does not change.
            self.fields["family"].disabled = True
            del self.fields["family_search"]
            local_start = timezone.localtime(self.instance.planned_start)
            self.initial.setdefault("date", local_start.date())
            self.initial.setdefault("start_time", local_start.time())
            self.initial.setdefault("return_time", timezone.localtime(self.instance.expected_return).time())
            self.initial.setdefault("lead", self.instance.lead_id)
            self.initial.setdefault(
                "other_staff", [u.pk for u in self.instance.staff.all() if u.pk != self.instance.lead_id])
        else:
            # No preselected transport (the model's default is not offered): "Car" preselected failed the
            # first save of everyone on foot; a choice made on purpose also tells the office about a car.
            if "transport" not in given:
                self.initial["transport"] = ""
            if "staff" in self.initial and "other_staff" not in self.initial:
                lead = self.initial.get("lead")
                self.initial["other_staff"] = [pk for pk in self.initial["staff"] if pk != lead]
        self._draw_family_and_children()
        self._draw_going_with()
        self._wire_htmx()
        # R-SAFEWORD / R-CONFIDENTIAL: the code word is for the office, the head and the staff going.
        # Anyone else correcting the plan (the DSL, a colleague who planned it) neither sees nor clears it.
        safe = ["office_contact", "code_word", "info_gathered", "notes"]
        if self.instance.pk and not (may_see_code_word(user) or self.instance.staff.filter(pk=user.pk).exists()):
            del self.fields["code_word"]
            safe.remove("code_word")
        who = ["family"]
        if "family_search" in self.fields:
            # Without JavaScript the search is this button (the view draws the form again, saving nothing).
            who = ["family_search", HTML(
                '<button class="btn btn-outline-secondary btn-sm mb-3" type="submit" name="find_family" value="1" '
                'data-find-family>Find</button>'), "family"]
        self.helper = _no_form_tag_helper()
        self.helper.layout = Layout(
            Fieldset("Who and why", *who, "children", "purpose", "purpose_other",
                     "announced", "unannounced_reason", "letter_sent_on"),
            Fieldset("When",
                     Div(Div(Field("date"), css_class="col-sm-4"), Div("start_time", css_class="col-sm-4"),
                         Div("duration_minutes", css_class="col-sm-4"), css_class="row"),
                     "return_time", "starts_at_home", "ends_at_home"),
            Fieldset("Where", "address", "contact_phone"),
            Fieldset("Who goes", "lead", "other_staff",
                     Div(Div("transport", css_class="col-sm-6"), Div("vehicle_owner", css_class="col-sm-6"),
                         css_class="row")),
            Fieldset("Keeping staff safe", *safe),
        )

    # --- What the form offers, from what is chosen so far -----------------------------------------

    def _raw(self, name):
        key = self.add_prefix(name)
        if self.is_bound and not (self.instance.pk and name == "family"):
            return self.data.get(key)
        return self.initial.get(name)

    def _chosen(self, name, queryset, model):
        raw = self._raw(name)
        if hasattr(raw, "pk"):
            raw = raw.pk
        try:
            return queryset.get(pk=int(raw)) if raw not in (None, "") else None
        except (ValueError, TypeError, OverflowError, model.DoesNotExist):
            return None

    def _family(self):
        if self.instance.pk:
            return self.instance.family
        return self._chosen("family", self.fields["family"].queryset, Family)

    def _lead(self):
        return self._chosen("lead", self.fields["lead"].queryset, User)

    def family_matches(self):
        """The families the typed search finds, among those the user may see (visits.scoping)."""
        query = (self._raw("family_search") or "") if "family_search" in self.fields else ""
        query = str(query).replace("\x00", "").strip()[:100]
        if not query:
            return None
        return list(search_families(self.fields["family"].queryset, query)[:FAMILY_RESULTS + 1])

    def _draw_family_and_children(self):
        family_field = self.fields["family"]
        chosen = self._family()
        matches = self.family_matches()
        offered = [chosen] if chosen is not None else []
        offered += [f for f in (matches or [])[:FAMILY_RESULTS] if chosen is None or f.pk != chosen.pk]
        family_field.widget = forms.RadioSelect()
        family_field.widget.choices = [(f.pk, family_field.label_from_instance(f)) for f in offered]
        family_field.empty_label = None
        if matches is not None and not matches:
            family_field.help_text = "No family you may see matches that. Check the spelling, or add the family first."
        elif matches is not None and len(matches) > FAMILY_RESULTS:
            family_field.help_text = f"Showing the first {FAMILY_RESULTS} matches: type more to narrow it down."
        elif not offered:
            family_field.help_text = "Find the family above first."
        # Only the chosen family's children; none before a family is chosen.
        if chosen is not None:
            self.fields["children"].queryset = chosen.children.all()
        else:
            self.fields["children"].queryset = Child.objects.none()
            self.fields["children"].help_text = "Choose the family first: its children are listed here."

    def _draw_going_with(self):
        """Everyone of the school may be posted (the lead among them is ignored), but the list drawn
        leaves out the lead chosen so far."""
        lead = self._lead()
        field = self.fields["other_staff"]
        if lead is not None:
            field.widget.choices = [(u.pk, field.label_from_instance(u)) for u in field.queryset if u.pk != lead.pk]

    def _wire_htmx(self):
        query = f"?visit={self.instance.pk}" if self.instance.pk else ""

        def part(name, **extra):
            return {"hx-post": reverse("visits:visit-form-part", args=[name]) + query,
                    "hx-target": f"#div_id_{name}", "hx-swap": "outerHTML", "hx-include": "closest form", **extra}

        if "family_search" in self.fields:
            self.fields["family_search"].widget.attrs.update(
                type="search", autocomplete="off", spellcheck="false", **{"data-family-search": ""},
                **part("family", **{"hx-trigger": "input changed delay:300ms, search"}))
            self.fields["family"].widget.attrs.update(part("children", **{"hx-trigger": "change"}))
        self.fields["lead"].widget.attrs.update(part("other_staff", **{"hx-trigger": "change"}))

    def clean_announced(self):
        value = self.cleaned_data.get("announced")
        return True if value is None else value

    def clean_duration_minutes(self):
        minutes = self.cleaned_data["duration_minutes"]
        if not 10 <= minutes <= 480:
            raise ValidationError("A visit lasts between 10 minutes and 8 hours.")
        return minutes

    def clean_contact_phone(self):
        phone = self.cleaned_data.get("contact_phone")
        if phone:
            validate_uk_phone(phone)
        return phone

    def clean(self):
        data = super().clean()
        day, start, back = data.get("date"), data.get("start_time"), data.get("return_time")
        if day and start:
            try:
                data["planned_start"] = combine_local(day, start)
            except ValidationError as exc:
                self.add_error("start_time", exc)
        if day and back:
            try:
                data["expected_return"] = combine_local(day, back)
            except ValidationError as exc:
                self.add_error("return_time", exc)
        if self.instance.pk:
            # The form shows minutes; an unchanged time keeps its stored value exactly, so that
            # saving other changes does not look like a new time (and a new approval).
            for field in ("planned_start", "expected_return"):
                stored = getattr(self.instance, field)
                if field in data and stored and data[field] == stored.replace(second=0, microsecond=0):
                    data[field] = stored
        family = data.get("family") or (self.instance.family if self.instance.pk else None)
        children = data.get("children")
        if family is not None and children:
            strangers = [str(c) for c in children if c.family_id != family.pk]
            if strangers:
                self.add_error("children", f"Not in the {family.display_name}: {', '.join(strangers)}.")
        if family is not None and not (data.get("address") or "").strip():
            data["address"] = family.address  # defaults to the family's address
        if data.get("transport") == Transport.CAR and data.get("vehicle_owner") is not None:
            lead, others = data.get("lead"), list(data.get("other_staff") or [])
            goers = {u.pk for u in others} | ({lead.pk} if lead else set())
            if data["vehicle_owner"].pk not in goers:
                self.add_error("vehicle_owner", "The car must belong to one of the staff going.")
        if data.get("transport") != Transport.CAR:
            data["vehicle_owner"] = None
        return data

    def staff(self) -> list:
        """Everyone going, the lead first (R-PAIR counts them all)."""
        lead = self.cleaned_data["lead"]
        others = [u for u in self.cleaned_data.get("other_staff") or [] if u.pk != lead.pk]
        return [lead, *others]

    def apply(self, visit: Visit) -> Visit:
        """Copy the cleaned plan onto the (unsaved) visit."""
        visit.planned_start = self.cleaned_data["planned_start"]
        visit.expected_return = self.cleaned_data["expected_return"]
        visit.lead = self.cleaned_data["lead"]
        visit.address = self.cleaned_data["address"]
        return visit

    def add_plan_errors(self, errors: dict):
        """Put services.plan_errors() messages beside the fields they are about."""
        for key, messages in errors.items():
            field = PLAN_FIELD_MAP.get(key, key)
            if field not in self.fields:
                field = None
            for message in messages:
                self.add_error(field, message)


MULTI_VALUE_FIELDS = ("children", "other_staff")


def posted_as_initial(data) -> dict:
    """A half-filled plan form's posted values, to draw the form again without judging it yet (the
    family search, the children of the chosen family, "Going with" without the lead)."""
    return {key: (values if key in MULTI_VALUE_FIELDS else values[-1]) for key, values in data.lists()
            if key != "csrfmiddlewaretoken"}


def plan_snapshot(visit: Visit) -> dict:
    """The parts of a plan whose change sends an approved visit back for approval."""
    if visit.pk is None:
        return {}
    return {
        "planned_start": visit.planned_start, "expected_return": visit.expected_return,
        "duration_minutes": visit.duration_minutes, "address": visit.address,
        "starts_at_home": visit.starts_at_home, "ends_at_home": visit.ends_at_home,
        "staff": frozenset(visit.staff.values_list("pk", flat=True)),
    }


def changed_plan_fields(before: dict, visit: Visit, staff: list, form: VisitForm) -> set:
    """Which fields changed: the reapproval ones by value, the rest from the form."""
    after = {
        "planned_start": visit.planned_start, "expected_return": visit.expected_return,
        "duration_minutes": visit.duration_minutes, "address": visit.address,
        "starts_at_home": visit.starts_at_home, "ends_at_home": visit.ends_at_home,
        "staff": frozenset(u.pk for u in staff),
    }
    changed = {k for k, v in after.items() if before.get(k) != v}
    skip = {"date", "start_time", "return_time", "lead", "other_staff", "address", "duration_minutes", "starts_at_home",
            "ends_at_home", "family_search"}
    changed |= {name for name in form.changed_data if name not in skip}
    if before and "lead" in form.changed_data:
        changed.add("lead")
    return changed


class RoundVisitsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, visit):
        start = timezone.localtime(visit.planned_start)
        return f"{start:%a %d %b, %H:%M}\u2013{timezone.localtime(visit.planned_end):%H:%M} \u00b7 {visit.family}"


class RoundForm(forms.Form):
    """A day's round (R-LUNCH): its day, its two return points (local times) and its visits, chosen from
    the plans not yet submitted that the user may put on it (visits.scoping.round_candidates). The
    rules of a round are checked by visits.rounds.save_round, whose messages go beside the fields."""

    date = forms.DateField(widget=DateInput(), validators=[VISIT_DATE])
    lunch_time = forms.TimeField(label="Back at school for lunch", widget=TimeInput(),
                                 help_text="The visits before lunch are due back at this time.")
    end_time = forms.TimeField(label="Back at school at the end of the day", widget=TimeInput(),
                               help_text="The visits after lunch are due back at this time.")
    visits = RoundVisitsField(queryset=Visit.objects.none(), widget=forms.CheckboxSelectMultiple,
                              label="Visits on the round",
                              help_text="Plans not yet submitted, led by the same person, with the same staff. "
                                        "They are made in time order.")

    def __init__(self, *args, user, day_round=None, **kwargs):
        if day_round is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "date": day_round.date, "lunch_time": timezone.localtime(day_round.lunch_return).time(),
                "end_time": timezone.localtime(day_round.end_return).time(),
                "visits": [v.pk for v in day_round.visits.all()]}
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        candidates = round_candidates(user).filter(planned_start__date__gte=today)
        mine = Q(day_round__isnull=True) | (Q(day_round=day_round) if day_round is not None else Q())
        candidates = candidates.filter(mine)
        self.fields["visits"].queryset = candidates.select_related("family").order_by("planned_start", "pk")

    def clean(self):
        data = super().clean()
        day = data.get("date")
        for field, point in (("lunch_time", "lunch_return"), ("end_time", "end_return")):
            if day and data.get(field):
                try:
                    data[point] = combine_local(day, data[field])
                except ValidationError as exc:
                    self.add_error(field, exc)
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             help_text="Staff are told at once.")  # R-CANCEL
    for_safety = forms.BooleanField(
        required=False, label="Cancelled for safety reasons",
        help_text="The head of school is told in writing.")  # R-CANCEL, R-ANIMALS


class RefuseForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             help_text="The staff see this on their visit, so they can revise the plan.")


class ApproveForm(forms.Form):
    """One explicit override tick and a reason for each gate the plan needs (R-AUTH). A gate the
    approver may not clear (R-COMMUTE, R-FSW: the head's) is shown but can't be ticked; the service
    refuses it anyway."""

    def __init__(self, *args, gates, approver=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.gates = [need.code for need in gates]
        for need in gates:
            allowed = approver is None or need.may_be_cleared_by(approver)
            self.fields[f"override_{need.code}"] = forms.BooleanField(
                required=False, label=f"I approve: {need.label}", disabled=not allowed,
                help_text=need.who_decides)
            self.fields[f"reason_{need.code}"] = forms.CharField(
                required=False, max_length=500, label="Reason", widget=forms.TextInput(), disabled=not allowed)

    def gate_fields(self):
        return [(self[f"override_{g}"], self[f"reason_{g}"]) for g in self.gates]

    def clean(self):
        data = super().clean()
        for gate in self.gates:
            ticked, reason = data.get(f"override_{gate}"), (data.get(f"reason_{gate}") or "").strip()
            if ticked and not reason:
                self.add_error(f"reason_{gate}", "Give the reason for this override.")
            if reason and not ticked:
                self.add_error(f"override_{gate}", "Tick the override to approve this.")
        return data

    def overrides(self) -> dict:
        return {g: self.cleaned_data[f"reason_{g}"].strip() for g in self.gates
                if self.cleaned_data.get(f"override_{g}")}


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def asked_week(value: str | None) -> datetime.date:
    """The Monday of the week a `?week=YYYY-MM-DD` asks for. This week when the value is missing,
    not a date, or outside 1900-2999 (a week next to year 1 or 9999 can't even be reckoned)."""
    try:
        day = datetime.date.fromisoformat(value or "")
    except ValueError:
        day = None
    if day is None or not 1900 <= day.year <= 2999:
        day = timezone.localdate()
    return week_start(day)


# --- Risk assessment and checklist (the safety models, on the visit's pages) ------------------

SEVERITY_CHOICES = [(1, "1 · minor"), (2, "2 · serious"), (3, "3 · major")]
LIKELIHOOD_CHOICES = [(1, "1 · unlikely"), (2, "2 · possible"), (3, "3 · likely")]


class RiskAssessmentForm(forms.ModelForm):
    reviewed = forms.BooleanField(
        required=False, label="I have reviewed this assessment and it is up to date for this visit",
        help_text="Needed before the visit can be submitted.")  # R-RISK

    class Meta:
        model = RiskAssessment
        fields = ["risk_of_harm_high", "perpetrator_may_be_present", "aggression_or_intoxication",
                  "vulnerable_persons", "safeguarding_team_aware", "animals_separate_room"]
        widgets = {
            "vulnerable_persons": forms.Textarea(attrs={"rows": 2}),
            "risk_of_harm_high": forms.RadioSelect(choices=[(False, "No"), (True, "Yes")]),
            "perpetrator_may_be_present": forms.RadioSelect(choices=[(False, "No"), (True, "Yes")]),
            "aggression_or_intoxication": forms.RadioSelect(choices=[(False, "No"), (True, "Yes")]),
            "safeguarding_team_aware": forms.RadioSelect(choices=[(False, "No"), (True, "Yes")]),
            "animals_separate_room": forms.RadioSelect(
                choices=[("", "Not asked yet"), ("True", "Yes"), ("False", "No")]),
        }
        labels = {"vulnerable_persons": "Vulnerable persons at the address",
                  "safeguarding_team_aware": "Is the safeguarding team aware of this visit?"}  # R-INFO

    def __init__(self, *args, family, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("risk_of_harm_high", "perpetrator_may_be_present", "aggression_or_intoxication",
                     "safeguarding_team_aware"):
            self.fields[name].required = False
        if not family.dangerous_animals:
            del self.fields["animals_separate_room"]
        else:
            self.fields["animals_separate_room"].label = (
                f"Has the family agreed to keep their animals ({family.animals_details or 'dangerous animals'}) "
                "in a separate room?")  # R-ANIMALS

    def has_changed(self):
        return any(name != "reviewed" for name in self.changed_data)


class HazardForm(forms.ModelForm):
    severity = forms.TypedChoiceField(choices=SEVERITY_CHOICES, coerce=int)
    likelihood = forms.TypedChoiceField(choices=LIKELIHOOD_CHOICES, coerce=int)

    class Meta:
        model = Hazard
        fields = ["kind", "description", "who_may_be_harmed", "severity", "likelihood", "controls"]
        widgets = {"controls": forms.Textarea(attrs={"rows": 2})}
        labels = {"controls": "Controls (what you will do about it)"}

    def clean(self):
        data = super().clean()
        if data.get("kind") == "other" and not (data.get("description") or "").strip():
            self.add_error("description", "Describe the hazard.")
        return data


HazardFormSet = inlineformset_factory(RiskAssessment, Hazard, form=HazardForm, extra=0, can_delete=True)


class ChecklistForm(forms.ModelForm):
    """R-CHECKLIST: the personal safety checklist of policy 000, answered by the lead."""

    class Meta:
        model = SafetyChecklist
        fields = [name for name, _ in SafetyChecklist.QUESTIONS]
        labels = dict(SafetyChecklist.QUESTIONS)
