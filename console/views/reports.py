"""The report page and its tables as CSV."""

from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import charts, forms, reports
from ..report_tables import TABLE_NAMES, report_tables, table_csv
from .access import agent_required


def _report(request):
    """(form, report or None): the report the request asks for, as this person may see it."""
    form = forms.ReportFilterForm(request.GET or None, profile=request.agent)
    if form.is_bound and not form.is_valid():
        return form, None
    filter_kwargs = form.filter_kwargs() if form.is_bound else {}
    filters = reports.report_filters(profile=request.agent, **filter_kwargs)
    if not form.is_bound:
        # Show the range the report is for (the default one) in the date fields.
        form.initial.update(start=filters.start_date, end=filters.end_date)
    report = reports.report_build(filters=filters, language=request.LANGUAGE_CODE)
    return form, report


@require_GET
@agent_required
def report_page(request):
    """Supervisors: everyone's figures, with filters. Agents: their own figures."""
    form, report = _report(request)
    context = {"form": form, "report": report, "agent": request.agent}
    if report is None:
        return render(request, "console/reports.html", context, status=400)
    context.update(
        tables=report_tables(report),
        activity_chart=charts.activity_chart(report.activity["days"]),
        heatmap_chart=charts.heatmap_chart(report.heatmap),
        csat_chart=charts.distribution_chart(report.csat["distribution"]),
        query=request.GET.urlencode(),
    )
    return render(request, "console/reports.html", context)


@require_GET
@agent_required
def report_csv(request, table: str):
    """One table of the report page as CSV, for the same filters (the page's query string)."""
    if table not in TABLE_NAMES:
        return render(request, "console/not_found.html", status=404)
    form, report = _report(request)
    if report is None:
        errors_text = "; ".join(str(e) for field in form.errors.values() for e in field)
        return HttpResponseBadRequest(errors_text, content_type="text/plain; charset=utf-8")
    tables = report_tables(report)
    if table not in tables:
        return render(request, "console/not_found.html", status=404)
    filters = report.filters
    response = HttpResponse(table_csv(tables[table]), content_type="text/csv; charset=utf-8")
    filename = f"destek-{table}-{filters.start_date}-{filters.end_date}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
