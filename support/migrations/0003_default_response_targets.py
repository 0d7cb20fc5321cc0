from django.db import migrations

# priority: (first response, resolution) in seconds. Normal answers within 2 minutes.
DEFAULT_TARGETS = {
    "urgent": (60, 4 * 3600),
    "high": (60, 8 * 3600),
    "normal": (120, 24 * 3600),
    "low": (600, 72 * 3600),
}


def create_targets(apps, schema_editor):
    ResponseTarget = apps.get_model("support", "ResponseTarget")
    for priority, (first_response, resolution) in DEFAULT_TARGETS.items():
        ResponseTarget.objects.get_or_create(
            priority=priority,
            defaults={"first_response_seconds": first_response, "resolution_seconds": resolution},
        )


class Migration(migrations.Migration):
    dependencies = [("support", "0002_routing_hours_sla")]

    operations = [migrations.RunPython(create_targets, migrations.RunPython.noop)]
