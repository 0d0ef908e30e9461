"""Catalogue JSON views through Django's test client."""
from django.test import TestCase
from django.urls import reverse

from catalog.models import Publisher

from .factories import make_book


class CatalogueViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.publisher = Publisher.objects.create(name="Faber")
        cls.ariel = make_book("Ariel", ["Sylvia Plath"], ["Poetry"], publisher=cls.publisher, copies=1)
        cls.crow = make_book("Crow", ["Ted Hughes"], ["Poetry"], publisher=cls.publisher, copies=2,
                             copies_out=2)
        cls.birthday = make_book("Birthday Letters", ["Ted Hughes"], ["Poetry"], publisher=cls.publisher)

    def get_json(self, url, status=200, **params):
        response = self.client.get(url, params)
        self.assertEqual(response.status_code, status)
        return response.json() if status == 200 else None

    def test_search_all(self):
        self.assertEqual(self.get_json(reverse("catalog-search"))["count"], 3)

    def test_search_by_author(self):
        data = self.get_json(reverse("catalog-search"), q="hughes")
        self.assertEqual([b["title"] for b in data["results"]], ["Birthday Letters", "Crow"])

    def test_search_available_only(self):
        data = self.get_json(reverse("catalog-search"), q="hughes", available="1")
        self.assertEqual([b["title"] for b in data["results"]], ["Birthday Letters"])

    def test_search_no_match(self):
        self.assertEqual(self.get_json(reverse("catalog-search"), q="zzz")["count"], 0)

    def test_detail(self):
        data = self.get_json(reverse("catalog-detail", args=[self.ariel.slug]))
        self.assertEqual(data["authors"], ["Sylvia Plath"])
        self.assertEqual(data["publisher"], "Faber")
        self.assertEqual(data["genres"], ["Poetry"])

    def test_detail_available_count(self):
        self.assertEqual(self.get_json(reverse("catalog-detail", args=[self.crow.slug]))["available"], 0)

    def test_detail_404(self):
        self.get_json(reverse("catalog-detail", args=["no-such-book"]), status=404)

    def test_search_query_count(self):
        with self.assertNumQueries(2):  # no rows: nothing to prefetch
            self.client.get(reverse("catalog-search"), {"q": "poetry-free"})

    def test_results_have_isbn13(self):
        for book in self.get_json(reverse("catalog-search"))["results"]:
            with self.subTest(title=book["title"]):
                self.assertEqual(len(book["isbn13"]), 13)
