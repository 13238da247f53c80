"""Attachment names are stored encrypted, as their contents are (security goal C1)."""

from django.db import migrations, models

from messaging import crypto


def seal_names(apps, schema_editor):
    Attachment = apps.get_model("messaging", "Attachment")
    for attachment in Attachment.objects.filter(filename_ciphertext__isnull=True).iterator():
        attachment.filename_ciphertext = crypto.seal_attachment_name(attachment, attachment.filename)
        attachment.save(update_fields=["filename_ciphertext"])


def open_names(apps, schema_editor):
    Attachment = apps.get_model("messaging", "Attachment")
    for attachment in Attachment.objects.iterator():
        attachment.filename = crypto.open_attachment_name(attachment)
        attachment.save(update_fields=["filename"])


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0003_room_indexes_by_their_unique_constraints"),
    ]

    operations = [
        migrations.AddField(
            model_name="attachment",
            name="filename_ciphertext",
            field=models.BinaryField(null=True),
        ),
        migrations.AlterField(
            model_name="attachment",
            name="filename",
            field=models.CharField(max_length=255, blank=True, default=""),
        ),
        migrations.RunPython(seal_names, open_names),
        migrations.RemoveField(model_name="attachment", name="filename"),
        migrations.AlterField(
            model_name="attachment",
            name="filename_ciphertext",
            field=models.BinaryField(),
        ),
    ]
