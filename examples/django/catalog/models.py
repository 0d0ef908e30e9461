"""Catalogue models: publishers, authors, genres and books (FK and M2M relations)."""
from django.db import models
from django.utils.text import slugify

from . import isbn


class Publisher(models.Model):
    name = models.CharField(max_length=120, unique=True)
    country = models.CharField(max_length=2, default="GB")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Author(models.Model):
    name = models.CharField(max_length=120)
    born = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Genre(models.Model):
    name = models.CharField(max_length=60, unique=True)

    def __str__(self):
        return self.name


class BookQuerySet(models.QuerySet):
    def available(self):
        return self.filter(copies__gt=models.F("copies_out"))

    def by_author(self, name):
        return self.filter(authors__name__icontains=name).distinct()

    def search(self, text):
        return self.filter(models.Q(title__icontains=text) | models.Q(authors__name__icontains=text)).distinct()


class Book(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    isbn13 = models.CharField(max_length=13, unique=True)
    year = models.PositiveSmallIntegerField()
    pages = models.PositiveIntegerField(default=0)
    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT, related_name="books")
    authors = models.ManyToManyField(Author, related_name="books")
    genres = models.ManyToManyField(Genre, related_name="books", blank=True)
    copies = models.PositiveSmallIntegerField(default=1)
    copies_out = models.PositiveSmallIntegerField(default=0)

    objects = BookQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.isbn13 = isbn.to_isbn13(self.isbn13)
        if not self.slug:
            self.slug = slugify("%s-%s" % (self.title, self.isbn13[-4:]))[:220]
        super().save(*args, **kwargs)

    @property
    def available_copies(self):
        return self.copies - self.copies_out
