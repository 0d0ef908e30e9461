"""JSON views of the catalogue: a search and a book's details."""
from django.http import Http404, JsonResponse

from .models import Book


def book_json(book):
    return {
        "title": book.title,
        "slug": book.slug,
        "isbn13": book.isbn13,
        "year": book.year,
        "publisher": book.publisher.name,
        "authors": [a.name for a in book.authors.all()],
        "genres": sorted(g.name for g in book.genres.all()),
        "available": book.available_copies,
    }


def search(request):
    text = request.GET.get("q", "").strip()
    books = Book.objects.select_related("publisher").prefetch_related("authors", "genres")
    if text:
        books = books.search(text)
    if request.GET.get("available") == "1":
        books = books.available()
    return JsonResponse({"count": books.count(), "results": [book_json(b) for b in books[:50]]})


def detail(request, slug):
    try:
        book = Book.objects.select_related("publisher").get(slug=slug)
    except Book.DoesNotExist:
        raise Http404("no such book")
    return JsonResponse(book_json(book))
