"""`GET /api/v1/metrics/funnel/`: the scoreboard's figures as JSON, for integrations and
reports. Thin: checks the query, asks `funnel_metrics`, serializes what it returns."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from coordination.core.api.serializers import ErrorsSerializer
from coordination.core.errors import ApplicationError, PermissionDenied
from coordination.metrics.funnel import funnel_metrics
from coordination.metrics.periods import period_check, this_month, today_in_site_zone
from coordination.metrics.permissions import (
    METRICS_READ_SCOPE,
    can_view_dispute_figures,
    can_view_scoreboard,
)
from leads.models import Source

RATE_DIGITS = {"max_digits": 5, "decimal_places": 4}
MONEY_DIGITS = {"max_digits": 20, "decimal_places": 2}


class FunnelQuerySerializer(serializers.Serializer):
    start = serializers.DateField(
        required=False, help_text=gettext_lazy("First day (YYYY-MM-DD); default: the first "
                                               "day of this month."))
    end = serializers.DateField(
        required=False, help_text=gettext_lazy("The day after the last (YYYY-MM-DD, "
                                               "excluded); default: the first day of next "
                                               "month."))
    source = serializers.PrimaryKeyRelatedField(
        queryset=Source.objects.all(), required=False,
        help_text=gettext_lazy("Only the leads of this source."))

    def validate(self, attrs):
        # Periods are turned into aware datetimes and widened for cohorts: the first and last
        # years of the calendar would overflow.
        for name in ("start", "end"):
            day = attrs.get(name)
            if day is not None and not 1900 <= day.year <= 2999:
                raise serializers.ValidationError(
                    {name: gettext_lazy("Give a date between 1900 and 2999.")})
        return attrs


class RateSerializer(serializers.Serializer):
    value = serializers.DecimalField(**RATE_DIGITS, allow_null=True, help_text=gettext_lazy(
        "numerator / denominator, four decimals; null when the denominator is zero."))
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()


class MoneySerializer(serializers.Serializer):
    amount = serializers.DecimalField(**MONEY_DIGITS)
    currency = serializers.CharField()


class LeadFiguresSerializer(serializers.Serializer):
    leads = serializers.IntegerField(help_text=gettext_lazy("Leads created in the period."))
    valid = serializers.IntegerField(help_text=gettext_lazy("Leads not ruled invalid."))
    invalid = serializers.IntegerField(help_text=gettext_lazy("Leads ruled invalid."))
    valid_rate = RateSerializer(help_text=gettext_lazy("valid / leads."))
    won = serializers.IntegerField(help_text=gettext_lazy("Won leads."))
    won_valid = serializers.IntegerField(help_text=gettext_lazy("Won leads not ruled invalid."))
    conversion = RateSerializer(help_text=gettext_lazy("won_valid / valid."))
    outcome = MoneySerializer(many=True, help_text=gettext_lazy(
        "The shared outcome: value won from these leads, per currency."))
    first_contact_sla = RateSerializer(source="sla_compliance", help_text=gettext_lazy(
        "Assigned leads first contacted without ever missing a first-contact deadline / "
        "assigned leads whose first contact is decided (met or missed)."))
    first_contact_missed = RateSerializer(help_text=gettext_lazy(
        "Assigned leads whose first contact was missed: a first-contact deadline passed "
        "uncontacted, whatever followed (reassignment, escalation to the head, the lead pool, "
        "a reminder), or the first contact came late or was judged not genuine / assigned "
        "leads."))
    reassignment_rate = RateSerializer(help_text=gettext_lazy(
        "Leads reassigned after a missed deadline / assigned leads."))


class InspectionFiguresSerializer(serializers.Serializer):
    scored = serializers.IntegerField(source="denominator")
    passed = serializers.IntegerField(source="numerator")
    pass_rate = serializers.DecimalField(**RATE_DIGITS, allow_null=True, source="value")


ROW_INSPECTIONS_HELP = gettext_lazy(
    "Round-1 inspections scored in the period of follow-ups on these leads, whenever the leads "
    "came in: a row may have inspections and no lead of the period.")


class CampaignFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="campaign_id", allow_null=True)
    name = serializers.CharField(allow_null=True)
    figures = LeadFiguresSerializer()
    inspections = InspectionFiguresSerializer(help_text=ROW_INSPECTIONS_HELP)


class SourceFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="source_id")
    name = serializers.CharField()
    figures = LeadFiguresSerializer()
    campaigns = CampaignFiguresSerializer(many=True)
    inspections = InspectionFiguresSerializer(help_text=ROW_INSPECTIONS_HELP)


class DisputeTallySerializer(serializers.Serializer):
    side = serializers.CharField()
    opened = serializers.IntegerField()
    ruled = serializers.IntegerField()
    lost = serializers.IntegerField()
    upheld = serializers.IntegerField()
    loss_rate = RateSerializer()


class PersonTallySerializer(DisputeTallySerializer):
    user_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


class DisputeFiguresSerializer(serializers.Serializer):
    by_side = DisputeTallySerializer(many=True, source="sides")
    by_person = PersonTallySerializer(many=True, source="people")


class TrendPointSerializer(serializers.Serializer):
    bucket = serializers.DateField(help_text=gettext_lazy(
        "First day of the bucket (a week starts on Monday)."))
    figures = LeadFiguresSerializer()


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField(help_text=gettext_lazy("Excluded."))


class FunnelSerializer(serializers.Serializer):
    period = PeriodSerializer()
    source = serializers.IntegerField(source="source_id", allow_null=True)
    totals = LeadFiguresSerializer()
    by_source = SourceFiguresSerializer(many=True, source="sources")
    inspections = InspectionFiguresSerializer()
    disputes = DisputeFiguresSerializer(allow_null=True, help_text=gettext_lazy(
        "Disputes opened in the period, by side and by person. Null for the quality "
        "department under blind review: it does not learn who opened the disputes it judges, "
        "nor their side."))
    granularity = serializers.ChoiceField(choices=["day", "week", "month"],
                                          source="trend.granularity")
    trend = TrendPointSerializer(many=True, source="trend.points")


class FunnelView(APIView):
    """The marketing-sales funnel of a period."""

    required_scopes = {"read": METRICS_READ_SCOPE}

    @extend_schema(
        parameters=[FunnelQuerySerializer],
        responses={200: FunnelSerializer, 400: ErrorsSerializer, 403: ErrorsSerializer},
        description=gettext_lazy(
            "Lead volume, valid leads, conversion, the shared outcome, first-contact SLA, "
            "first contacts missed, reassignment rate, inspection pass rate and disputes of a "
            "period [start, end) in the site time zone, by source and campaign, with a trend by "
            "day, week or month. "
            "Decimals are strings; rates are null when their denominator is zero. Under blind "
            "review the quality department gets no dispute figures (`disputes` is null)."),
    )
    def get(self, request, *args, **kwargs):
        if not can_view_scoreboard(request.user):
            raise PermissionDenied(_("You may not read the shared figures."))
        query = FunnelQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        default = this_month(today_in_site_zone())
        start = query.validated_data.get("start", default.start)
        end = query.validated_data.get("end", default.end)
        if "start" in query.validated_data and "end" not in query.validated_data \
                and end <= start:
            raise ApplicationError(_("Give the end of the period too."), code="required",
                                   field="end")
        period = period_check(start=start, end=end)
        source = query.validated_data.get("source")
        funnel = funnel_metrics(period=period, source_id=source.pk if source else None,
                                with_disputes=can_view_dispute_figures(request.user))
        return Response(FunnelSerializer(funnel).data)
