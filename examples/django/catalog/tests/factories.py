"""Object factories shared by the catalogue and loans tests."""
import itertools

from catalog import isbn
from catalog.models import Author, Book, Genre, Publisher

_numbers = itertools.count(1)


def make_isbn():
    body = "978%09d" % (next(_numbers) * 7919 % 10 ** 9)
    return body + isbn.isbn13_check_digit(body)


def make_book(title, authors=(), genres=(), publisher=None, year=2001, copies=1, **fields):
    publisher = publisher or Publisher.objects.get_or_create(name="Default Press")[0]
    book = Book.objects.create(title=title, isbn13=make_isbn(), year=year, publisher=publisher,
                               copies=copies, **fields)
    for name in authors:
        book.authors.add(Author.objects.get_or_create(name=name)[0])
    for name in genres:
        book.genres.add(Genre.objects.get_or_create(name=name)[0])
    return book
