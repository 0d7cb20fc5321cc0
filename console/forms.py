"""Console forms: parse and validate what agents type; services do the writes."""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from support import selectors
from support.auth_forms import LockoutMixin
from support.models import AgentProfile, Conversation, Team, Topic

from .reports import MAX_DAYS


class SearchForm(forms.Form):
    """The console search: a query and filters, all optional; bad values are form errors."""

    q = forms.CharField(label=_("Search"), max_length=200, required=False, strip=True)
    status = forms.ChoiceField(label=_("Status"), required=False)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    since = forms.DateField(label=_("From"), required=False)
    until = forms.DateField(label=_("To"), required=False)
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *Conversation.Status.choices]
        self.fields["team"].choices = [("", _("Any team"))] + [
            (team.pk, team.local_name) for team in choices["teams"]
        ]
        self.fields["topic"].choices = [("", _("Any topic"))] + [
            (topic.slug, topic.local_name) for topic in choices["topics"]
        ]
        self.fields["assignee"].choices = [
            ("", _("Anyone")),
            (selectors.UNASSIGNED, _("Unassigned")),
        ] + [(str(profile.user_id), profile.name) for profile in choices["agents"]]

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def search_filters(self) -> selectors.SearchFilters:
        """The cleaned filters; dates are whole days in the current time zone."""
        data = self.cleaned_data
        assignee = data.get("assignee") or None
        if assignee and assignee != selectors.UNASSIGNED:
            assignee = int(assignee)
        return selectors.SearchFilters(
            status=data.get("status") or "",
            team_id=data.get("team"),
            topic=data.get("topic") or "",
            assignee=assignee,
            since=_day_start(data.get("since")),
            until=_day_start(data["until"] + timedelta(days=1)) if data.get("until") else None,
        )


def _day_start(day):
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


class ContactForm(forms.Form):
    """An agent's correction of a contact's name and email (support.services.contact_update
    validates again and logs the change)."""

    name = forms.CharField(label=_("Name"), max_length=191, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)


# --- Sign-in: Django's form, plus the lockout after failures (support.auth_forms) ------


class ConsoleAuthenticationForm(LockoutMixin, AuthenticationForm):
    pass


# --- Reports ----------------------------------------------------------------------------


ISO_DATE = "%Y-%m-%d"
CLOCK_CHOICES = [
    ("business", _("Business hours")),
    ("wall", _("Clock time")),
]


class ReportFilterForm(forms.Form):
    """The report's date range and filters. Agents get no team/agent choice of others."""

    # <input type="date"> speaks ISO dates in every language.
    start = forms.DateField(
        label=_("From"),
        required=False,
        input_formats=[ISO_DATE],
        widget=forms.DateInput({"type": "date"}, format=ISO_DATE),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        input_formats=[ISO_DATE],
        widget=forms.DateInput({"type": "date"}, format=ISO_DATE),
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.order_by("name"), required=False,
        empty_label=_("All teams"),
    )  # fmt: skip
    topic = forms.ModelChoiceField(
        label=_("Topic"), queryset=Topic.objects.order_by("order", "slug"), required=False,
        empty_label=_("All topics"),
    )  # fmt: skip
    agent = forms.ModelChoiceField(
        label=_("Agent"),
        queryset=AgentProfile.objects.select_related("user").order_by("display_name", "pk"),
        required=False,
        empty_label=_("All agents"),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("", _("All channels")), *Conversation.Channel.choices],
        required=False,
    )
    clock = forms.ChoiceField(label=_("Times in"), choices=CLOCK_CHOICES, required=False)

    def __init__(self, *args, profile: AgentProfile, **kwargs):
        super().__init__(*args, **kwargs)
        # Names in the agent's language (the default would be the English `__str__`).
        self.fields["team"].label_from_instance = lambda team: team.local_name
        self.fields["topic"].label_from_instance = lambda topic: topic.local_name
        if not profile.is_supervisor:
            # Their own figures: no choice of agent (nor of another agent's team).
            del self.fields["agent"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end date is before the start date."))
            if (end - start).days + 1 > MAX_DAYS:
                raise forms.ValidationError(_("Pick at most %(days)d days.") % {"days": MAX_DAYS})
        return cleaned

    def filter_kwargs(self) -> dict:
        """Keyword arguments for `console.reports.report_filters`."""
        data = self.cleaned_data
        agent = data.get("agent")
        return {
            "start_date": data.get("start"),
            "end_date": data.get("end"),
            "team_id": data["team"].pk if data.get("team") else None,
            "topic_id": data["topic"].pk if data.get("topic") else None,
            "agent_id": agent.user_id if agent else None,
            "channel": data.get("channel") or "",
            "business_hours": data.get("clock") != "wall",
        }
