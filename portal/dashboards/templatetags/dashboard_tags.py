from decimal import Decimal

from django import template

from commerce.money import format_money

register = template.Library()


@register.filter
def money(value):
    """¥1,234.50; nothing as a dash."""
    if value is None or value == "":
        return "—"
    return format_money(Decimal(value))


@register.filter
def rate(value):
    """98.5%; no rate (nothing to divide by) as a dash."""
    return "—" if value is None else f"{value}%"


@register.inclusion_tag("dashboards/progress.html")
def progress_bar(kind, job, reload=False):
    """The live progress bar of a job: ``{% progress_bar "billing_run" run reload=True %}``.

    ``reload`` reloads the page once the job finishes, to show what it produced (bills, a PDF...).
    """
    from portal.dashboards import progress

    return {"job": progress.describe(kind, job), "reload": reload}
