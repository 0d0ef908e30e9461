"""Data migration: the library's standard genres exist from the start."""
from django.db import migrations

STANDARD_GENRES = ["Children", "Fiction", "History", "Poetry", "Science"]


def create_genres(apps, schema_editor):
    Genre = apps.get_model("catalog", "Genre")
    db = schema_editor.connection.alias
    for name in STANDARD_GENRES:
        Genre.objects.using(db).get_or_create(name=name)


def delete_genres(apps, schema_editor):
    Genre = apps.get_model("catalog", "Genre")
    Genre.objects.using(schema_editor.connection.alias).filter(name__in=STANDARD_GENRES).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(create_genres, delete_genres)]
